// Tables of outgoing mail (migration 0300_mail, in playbooks.migrations.ts: "0300 playbooks (+ mail)").
import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type EmailKind = 'marketing' | 'transactional';
/** queued → sending → sent | failed; cancelled when consent was withdrawn before sending */
export type EmailStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled';

export interface EmailsTable {
  id: Generated<string>;
  idempotency_key: string;
  customer_id: string | null;
  to_address: string;
  subject: string;
  html: string;
  text: string;
  kind: EmailKind;
  /** who asked for it: 'playbook:<id>', 'survey:<id>', 'inbox' … */
  source: string | null;
  status: ColumnType<EmailStatus, EmailStatus | undefined, EmailStatus>;
  /** 'smtp' or 'outbox' (no SMTP_URL set: kept here for the owner to read) */
  transport: string | null;
  /** deterministic, set when queued: a retry after a crash carries the same Message-ID */
  message_id: string;
  headers: ColumnType<Record<string, string>, string | undefined, string>;
  attempts: ColumnType<number, number | undefined, number>;
  error: string | null;
  /** the SMTP server's answer */
  response: string | null;
  created_at: Ts;
  sent_at: NullableTs;
}

export interface MailTables {
  emails: EmailsTable;
}

declare module '../platform/db/schema.js' {
  interface DB extends MailTables {}
}
