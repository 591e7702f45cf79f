import type { ColumnType, Generated } from 'kysely';

import type { Role } from '../platform/http/access.js';

export type { Role };
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  created_at: Generated<Date>;
  disabled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface SessionsTable {
  /** sha256 of the cookie token: a database leak does not leak live sessions */
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
}

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  token_hash: string;
  /** first characters of the token, shown so the owner can tell tokens apart */
  prefix: string;
  created_at: Generated<Date>;
  last_used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Generated<Date>;
  actor_user_id: string | null;
  actor_email: string | null;
  action: string;
  target: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  ip: string | null;
}

export interface InstanceTable {
  id: Generated<number>;
  secret: string;
}

/** One failed sign-in (or one attempt being checked): counted per account and per address. */
export interface SignInFailuresTable {
  id: Generated<number>;
  /** the email as typed, trimmed and lower-cased: unknown addresses are counted too */
  email: string;
  ip: string;
  at: ColumnType<Date, Date | string, Date | string>;
}

export interface AccountTables {
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  sign_in_failures: SignInFailuresTable;
}

declare module '../platform/db/schema.js' {
  interface DB extends AccountTables {}
}
