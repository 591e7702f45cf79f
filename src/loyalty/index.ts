// What other features may use of loyalty: a customer's points and tier, and promo codes made
// for a reason of theirs (recovery compensates with one).
export { customerLoyalty } from './loyalty.ledger.js';
export { codeForKey, type PromoCode } from './loyalty.codes.service.js';
