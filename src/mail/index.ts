// What other features may use of mail: queue an email (sent exactly once by the mail job), the
// HTML escaping used in mail and pages, and signed unsubscribe links.
export { deliverPendingEmails, EmailInputError, marketingRefusal, messageIdFor, queueEmail, type OutgoingEmail, type QueueResult } from './mail.service.js';
export { escapeHtml } from './mail.layout.js';
export { unsubscribeToken } from './mail.links.js';
export { closeTransports } from './mail.transport.js';
