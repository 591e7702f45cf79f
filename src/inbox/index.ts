// What other features may use of the inbox.
export { customersWithConversationTag } from './inbox.lookup.js';
// The website assistant hands a chat to a person: it opens (or continues) a chat conversation with
// the transcript, tells the visitor the expected wait and lets the widget follow the conversation.
export { receiveMessage, type InboundMessage, type Received } from './inbox.service.js';
export { chatToken, visitorMessages, type VisitorMessage } from './chat.js';
export { expectedWait, type ExpectedWait } from './wait.js';
