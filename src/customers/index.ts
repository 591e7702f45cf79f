// What other features may use of customers: the timeline, finding a customer by contact (and the
// address normalisation it matches on), and what counts as contact. Only this feature writes customers, orders, subscriptions and touchpoints.
export { isContact } from './contact.js';
export { normalizeEmail } from './import/values.js';
export type { TimelineSourceDef, TimelineSourceName } from './customers.timeline.js';
export {
  findOrCreateCustomerByContact,
  insertHistory,
  NEW_CONTACT_TAG,
  recordTouchpoint,
  setCustomerTag,
  withdrawMarketingConsent,
  type History,
  type NewTouchpoint,
} from './customers.service.js';
export {
  touchpointChannels,
  type BillingInterval,
  type CustomersTable,
  type OrderStatus,
  type OrdersTable,
  type RetentionDriver,
  type SubscriptionsTable,
  type TouchpointChannel,
  type TouchpointsTable,
} from './customers.tables.js';
