// Tables of the assistant: the knowledge base (FAQ entries), the website chats the bot holds and
// every exchange in them (what the visitor wrote, what the bot decided, how sure it was, the
// visitor's rating) — the log the owner learns from.
import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string | undefined, string>;

export const entryStatuses = ['draft', 'published'] as const;
export type EntryStatus = (typeof entryStatuses)[number];

export interface EntryLink {
  title: string;
  url: string;
}

export interface AssistantEntriesTable {
  id: Generated<string>;
  question: string;
  /** other ways customers ask the same thing */
  phrasings: ColumnType<string[], string[] | undefined, string[]>;
  /** Markdown; rendered to a safe subset (never raw HTML) */
  answer: string;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  links: Json<EntryLink[]>;
  status: ColumnType<EntryStatus, EntryStatus | undefined, EntryStatus>;
  created_at: Ts;
  updated_at: Ts;
}

/** A bumped counter: every process compares it with the version its index was built from. */
export interface AssistantStateTable {
  id: number;
  kb_version: ColumnType<number, number | undefined, number>;
}

export type ChatOwner = 'bot' | 'person';
export type HandoffReason = 'asked' | 'unsure' | 'upset';

export interface AssistantChatsTable {
  id: Generated<string>;
  /** 'terse' for the rest of the chat once the visitor showed frustration, anger or urgency */
  tone: ColumnType<'warm' | 'terse', 'warm' | 'terse' | undefined, 'warm' | 'terse'>;
  /** clarify / don't-know answers in a row */
  unsure_streak: ColumnType<number, number | undefined, number>;
  /** who speaks: the bot never does once a person owns the chat */
  owner: ColumnType<ChatOwner, ChatOwner | undefined, ChatOwner>;
  handoff_reason: HandoffReason | null;
  /** closed hours: a hand-off waits for the visitor's email */
  awaiting_email: ColumnType<boolean, boolean | undefined, boolean>;
  handed_off_at: NullableTs;
  inbox_conversation_id: string | null;
  /** the inbox message holding the transcript: the visitor's live view starts after it */
  inbox_transcript_message_id: string | null;
  email: string | null;
  created_at: Ts;
  last_message_at: Ts;
}

export type ExchangeKind = 'answer' | 'clarify' | 'dont_know' | 'handoff' | 'ask_email' | 'offer_person';

export interface ClarifyOption {
  entryId: string;
  question: string;
}

export interface AssistantExchangesTable {
  id: Generated<string>;
  chat_id: string;
  /** order within the chat */
  seq: Generated<number>;
  /** what the visitor wrote (cut to 2,000 characters) */
  message: string;
  kind: ExchangeKind;
  /** the matcher's calibrated confidence that its best entry is right */
  confidence: number;
  /** the entry answered with (kind answer) */
  entry_id: string | null;
  /** the buttons offered (kind clarify) */
  options: Json<ClarifyOption[]>;
  /** the bot's reply text as shown (for the transcript) */
  reply: string;
  tone: 'warm' | 'terse';
  /** the visitor pressed a clarify button (not typed) */
  chosen: ColumnType<boolean, boolean | undefined, boolean>;
  /** the optional language-model endpoint picked the entry among the matched ones */
  via_llm: ColumnType<boolean, boolean | undefined, boolean>;
  /** the visitor's thumbs: true helpful, false not */
  helpful: boolean | null;
  /** staff turned this question into an entry or a phrasing: no longer "unanswered" */
  learned_entry_id: string | null;
  dismissed: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Ts;
}

export interface AssistantTables {
  assistant_entries: AssistantEntriesTable;
  assistant_state: AssistantStateTable;
  assistant_chats: AssistantChatsTable;
  assistant_exchanges: AssistantExchangesTable;
}

declare module '../platform/db/schema.js' {
  interface DB extends AssistantTables {}
}
