// Tables of the playbooks feature (migrations numbered 0300–291 in playbooks.migrations.ts).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PlaybookTables {}
