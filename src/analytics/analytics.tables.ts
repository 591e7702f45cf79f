// Tables of the analytics feature (migrations numbered 0200–227 in analytics.migrations.ts).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AnalyticsTables {}
