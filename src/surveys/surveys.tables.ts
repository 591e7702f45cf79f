// Tables of the surveys feature (migrations numbered 0400–355 in surveys.migrations.ts).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SurveyTables {}
