// What other features may use of accounts. The manifest is in manifest.ts (only src/app lists it).
export { audit } from './audit.js';
export { authenticate, createSession, createUser, hasOwner } from './accounts.service.js';
export type { Role } from './accounts.tables.js';
