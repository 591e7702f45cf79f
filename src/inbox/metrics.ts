// Service metrics for the owner: first response and resolution times (median and 90th
// percentile, in business time) per channel and per agent, first replies within target,
// reopen rate, conversations per 100 orders ("things gone wrong") and volume by local hour.
import { sql } from 'kysely';
import type { Database } from '../platform/db/database.js';
import { businessHours, getInboxSettings, targetsFor, type InboxSettings } from './inbox.settings.js';
import type { Channel } from './inbox.tables.js';
import { businessMsBetween } from './sla.js';

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : null);
const minutes = (ms: number | null) => (ms === null ? null : Math.round(ms / 60_000));

interface Row {
  channel: string;
  assignee: string | null;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  created: Date;
  firstResponded: Date | null;
  resolved: Date | null;
  reopens: number;
}

function summarise(rows: Row[], bh: Awaited<ReturnType<typeof businessHours>>, settings: InboxSettings) {
  const first = rows.filter((r) => r.firstResponded).map((r) => businessMsBetween(r.created, r.firstResponded!, bh));
  const resolution = rows.filter((r) => r.resolved).map((r) => businessMsBetween(r.created, r.resolved!, bh));
  const withinTarget = rows.filter(
    (r) => r.firstResponded && businessMsBetween(r.created, r.firstResponded, bh) <= targetsFor(settings, r.priority, r.channel as Channel).firstResponse * 60_000,
  ).length;
  first.sort((a, b) => a - b);
  resolution.sort((a, b) => a - b);
  const resolvedCount = rows.filter((r) => r.resolved || r.reopens > 0).length;
  return {
    conversations: rows.length,
    firstResponseMinutes: { median: minutes(pct(first, 0.5)), p90: minutes(pct(first, 0.9)), answered: first.length },
    resolutionMinutes: { median: minutes(pct(resolution, 0.5)), p90: minutes(pct(resolution, 0.9)), resolved: resolution.length },
    /** share of answered conversations whose first reply came within the target of their priority */
    firstResponseWithinTarget: first.length ? Math.round((withinTarget / first.length) * 1000) / 10 : null,
    /** share of resolved conversations that were opened again */
    reopenRate: resolvedCount ? Math.round((rows.filter((r) => r.reopens > 0).length / resolvedCount) * 1000) / 10 : null,
  };
}

/** CSAT after resolution: answers, average (1–5) and share satisfied (4–5), in %. */
function csatSummary(scores: number[]) {
  const n = scores.length;
  return {
    responses: n,
    average: n ? Math.round((scores.reduce((a, b) => a + b, 0) / n) * 100) / 100 : null,
    satisfied: n ? Math.round((scores.filter((s) => s >= 4).length / n) * 1000) / 10 : null,
  };
}

export async function serviceMetrics(db: Database, from: Date, to: Date, now: Date = new Date()) {
  const settings = await getInboxSettings(db);
  const bh = await businessHours(db, settings);
  const raw = await db
    .selectFrom('conversations as c')
    .leftJoin('users as u', 'u.id', 'c.assignee_user_id')
    .select(['c.channel', 'u.name as assignee', 'c.priority', 'c.created_at', 'c.first_responded_at', 'c.resolved_at', 'c.reopen_count'])
    .where('c.created_at', '>=', from)
    .where('c.created_at', '<', to)
    .where('c.automatic', '=', false)
    .where('c.merged_into_id', 'is', null)
    .limit(20_000)
    .execute();
  const rows: Row[] = raw.map((r) => ({
    channel: r.channel,
    assignee: r.assignee ?? null,
    priority: r.priority,
    created: new Date(r.created_at),
    firstResponded: r.first_responded_at ? new Date(r.first_responded_at) : null,
    resolved: r.resolved_at ? new Date(r.resolved_at) : null,
    reopens: Number(r.reopen_count),
  }));
  // CSAT asked after resolution (surveys keyed conversation:<id>), answered in the period (1–5),
  // with the conversation's channel and assignee so each group gets its own.
  const csatRaw = await sql<{ channel: string; assignee: string | null; score: number }>`
    select c.channel, u.name as assignee, r.score
    from survey_responses r
    join survey_requests q on q.id = r.request_id
    join conversations c on q.event_key = 'conversation:' || c.id::text
    left join users u on u.id = c.assignee_user_id
    where r.kind = 'csat' and r.score is not null and q.event_key like 'conversation:%'
      and r.answered_at >= ${from} and r.answered_at < ${to}`.execute(db);
  const csatRows = csatRaw.rows.map((r) => ({ channel: r.channel, assignee: r.assignee ?? null, score: Number(r.score) }));
  const byChannelKey = (r: { channel: string }) => r.channel;
  const byAgentKey = (r: { assignee: string | null }) => r.assignee ?? '(unassigned)';
  const group = (key: (r: { channel: string; assignee: string | null }) => string) => {
    const conversations = new Map<string, Row[]>();
    const scores = new Map<string, number[]>();
    for (const r of rows) conversations.get(key(r))?.push(r) ?? conversations.set(key(r), [r]);
    for (const r of csatRows) scores.get(key(r))?.push(r.score) ?? scores.set(key(r), [r.score]);
    const keys = [...new Set([...conversations.keys(), ...scores.keys()])].sort((a, b) => a.localeCompare(b));
    return keys.map((k) => ({ key: k, ...summarise(conversations.get(k) ?? [], bh, settings), csat: csatSummary(scores.get(k) ?? []) }));
  };
  const orders = Number(
    (
      await db
        .selectFrom('orders')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('ordered_at', '>=', from)
        .where('ordered_at', '<', to)
        .executeTakeFirstOrThrow()
    ).n,
  );
  const byHour = await sql<{ hour: number; n: number }>`
    select extract(hour from created_at at time zone ${bh.timeZone})::int as hour, count(*)::int as n
    from conversations where created_at >= ${from} and created_at < ${to} and not automatic and merged_into_id is null group by 1 order by 1`.execute(db);
  const hours = Array.from({ length: 24 }, (_, h) => ({ hour: h, conversations: Number(byHour.rows.find((r) => Number(r.hour) === h)?.n ?? 0) }));
  const liveRow = await sql<{ open: number; waiting: number; breached: number }>`
    select count(*) filter (where status = 'open')::int as open,
           count(*) filter (where status = 'open' and first_responded_at is null)::int as waiting,
           count(*) filter (where status = 'open' and least(first_response_due_at, resolution_due_at) < ${now})::int as breached
    from conversations where status in ('open', 'pending', 'snoozed') and not automatic`.execute(db);
  const lv = liveRow.rows[0];
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    timeZone: bh.timeZone,
    overall: summarise(rows, bh, settings),
    byChannel: group(byChannelKey),
    byAgent: group(byAgentKey),
    orders,
    conversationsPer100Orders: orders ? Math.round((rows.length / orders) * 1000) / 10 : null,
    volumeByHour: hours,
    csat: csatSummary(csatRows.map((r) => r.score)),
    /** right now: open conversations, those waiting for a first reply, those past a target */
    current: { open: Number(lv?.open ?? 0), waitingFirstReply: Number(lv?.waiting ?? 0), breached: Number(lv?.breached ?? 0) },
  };
}
