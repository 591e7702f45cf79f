// Tables of the job queue (migrations numbered 0050–0099 in jobs.migrations.ts).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface JobTables {}
