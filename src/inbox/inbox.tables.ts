// Tables of the inbox: conversations (one thread on one channel with one customer), their
// messages, and the files attached to inbound mail.
import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export const channels = ['email', 'chat', 'form', 'phone'] as const;
export type Channel = (typeof channels)[number];
export const statuses = ['open', 'pending', 'snoozed', 'resolved'] as const;
export type ConversationStatus = (typeof statuses)[number];
export const priorities = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof priorities)[number];
export const authorKinds = ['customer', 'agent', 'note', 'system'] as const;
export type AuthorKind = (typeof authorKinds)[number];

export interface ConversationsTable {
  id: Generated<string>;
  channel: Channel;
  customer_id: string;
  status: ColumnType<ConversationStatus, ConversationStatus | undefined, ConversationStatus>;
  snoozed_until: NullableTs;
  assignee_user_id: string | null;
  priority: ColumnType<Priority, Priority | undefined, Priority>;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  subject: string;
  /** subject without Re:/Fwd: prefixes, lower-cased: the fallback threading key */
  subject_key: string;
  /** where replies go (email): the customer's address as they wrote from it */
  reply_to_address: string | null;
  /** first response target; null once answered or while paused (pending the customer) */
  first_response_due_at: NullableTs;
  first_responded_at: NullableTs;
  /** resolution target; null while paused and once resolved */
  resolution_due_at: NullableTs;
  /** set while the SLA clocks are paused (pending the customer) */
  sla_paused_at: NullableTs;
  /** business milliseconds left on each clock when paused */
  sla_first_left_ms: number | null;
  sla_resolution_left_ms: number | null;
  resolved_at: NullableTs;
  /** opened by an automatic message (auto-reply, bounce): never answered, no SLA */
  automatic: Generated<boolean>;
  last_message_at: Ts;
  message_count: ColumnType<number, number | undefined, number>;
  /** times a resolved conversation was opened again (0502) */
  reopen_count: Generated<number>;
  /** set when this conversation was merged into another (0503) */
  merged_into_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** the due times the service-level watch raised its tasks for, and whether for the breach (0508) */
  sla_first_alerted_due: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  sla_first_alerted_breach: Generated<boolean>;
  sla_resolution_alerted_due: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  sla_resolution_alerted_breach: Generated<boolean>;
  created_at: Ts;
  updated_at: Ts;
}

export interface AttachmentMeta {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  /** false when the file was over the size cap and was not kept */
  kept: boolean;
}

export interface CallLog {
  direction: 'inbound' | 'outbound';
  durationSeconds: number;
  outcome: 'answered' | 'no_answer' | 'voicemail' | 'busy' | 'callback_requested';
}

export interface MessagesTable {
  id: Generated<string>;
  conversation_id: string;
  author_kind: AuthorKind;
  user_id: string | null;
  body_text: string;
  /** escaped HTML made from the text (links kept as text): never the sender's markup */
  body_html_sanitised: string;
  /** what folding took away: quoted earlier mail and the signature */
  quoted_text: string | null;
  email_message_id: string | null;
  in_reply_to: string | null;
  email_references: ColumnType<string[], string[] | undefined, string[]>;
  from_address: string | null;
  /** 'auto_reply' | 'bounce' for automatic mail (stored, never answered) */
  automatic: string | null;
  attachments: ColumnType<AttachmentMeta[], string | undefined, string>;
  call: ColumnType<CallLog | null, string | null | undefined, string | null>;
  /** the queued outgoing email of an agent's reply */
  email_id: string | null;
  created_at: Ts;
  /** write order (0501) */
  seq: Generated<number>;
}

export interface AttachmentsTable {
  id: Generated<string>;
  message_id: string;
  filename: string;
  content_type: string;
  size: number;
  content: Buffer;
  created_at: Generated<Date>;
}

/** One IMAP mailbox's position: the last UID stored under its UIDVALIDITY (0503). */
export interface ImapStateTable {
  /** user@host:port/mailbox */
  account: string;
  uid_validity: ColumnType<number, number, number>;
  last_uid: ColumnType<number, number | undefined, number>;
  last_polled_at: NullableTs;
  last_error: string | null;
  updated_at: Ts;
}

/** A saved answer an agent inserts in the reply box; Liquid fields filled per conversation (0503). */
export interface CannedRepliesTable {
  id: Generated<string>;
  title: string;
  body: string;
  /** when set, {{ promo.code }} is a one-time code of this percentage for the customer */
  promo_percent_off: number | null;
  created_by: string | null;
  created_at: Ts;
  updated_at: Ts;
}

export interface InboxTables {
  conversations: ConversationsTable;
  messages: MessagesTable;
  inbox_attachments: AttachmentsTable;
  inbox_imap_state: ImapStateTable;
  inbox_canned_replies: CannedRepliesTable;
}

declare module '../platform/db/schema.js' {
  interface DB extends InboxTables {}
}
