// Routing a new conversation: customers who matter most — the VIP retention driver or tag, a
// recent detractor answer (NPS 0–6 within 90 days), an angry message — go to the most senior
// available agent (the order of `routing.seniority` in the inbox settings) with high priority;
// the rest go round-robin by open load (fewest open/pending conversations, then longest since
// the last assignment). Agents who set themselves away, disabled users and people outside the
// rotation get nothing. Off unless the owner turns it on.
import { sql } from 'kysely';
import type { Database } from '../platform/db/database.js';

const angryWords = [
  'unacceptable',
  'ridiculous',
  'disgusting',
  'furious',
  'outraged',
  'angry',
  'terrible service',
  'worst',
  'scam',
  'rip-off',
  'ripoff',
  'refund immediately',
  'lawyer',
  'chargeback',
  'never again',
  'fed up',
  'sick of',
  'appalling',
  'shocking',
  'useless',
  'pathetic',
  'boos',
  'belachelijk',
  'schandalig',
  'oplichting',
  'wütend',
  'unverschämt',
  'frechheit',
  'inadmissible',
  'scandaleux',
];

const angryPattern = new RegExp(`(^|[^\\p{L}])(${angryWords.join('|')})($|[^\\p{L}])`, 'u');

/** An angry message, by words and by shouting (mostly capitals) or a run of exclamation marks. */
export function isAngry(text: string): boolean {
  if (angryPattern.test(text.toLowerCase())) return true;
  const letters = text.replace(/[^\p{L}]/gu, '');
  const upper = text.replace(/[^\p{Lu}]/gu, '');
  if (letters.length >= 20 && upper.length / letters.length > 0.7) return true;
  return /!{3,}/.test(text);
}

export interface RoutingSettings {
  enabled: boolean;
  /** user ids, most senior first: who gets the VIP, detractor and angry conversations */
  seniority: string[];
  /** user ids out of the rotation right now (set by each agent) */
  away: string[];
}

export const defaultRouting: RoutingSettings = { enabled: false, seniority: [], away: [] };

export interface RouteDecision {
  assigneeUserId: string | null;
  reason: 'vip' | 'detractor' | 'angry' | 'round_robin' | 'nobody_available';
  priority: 'high' | null;
}

/** Why this customer or message needs the most senior person, if it does. */
export async function importance(db: Database, customerId: string, text: string, now: Date): Promise<'vip' | 'detractor' | 'angry' | null> {
  const c = await db.selectFrom('customers').select(['retention_driver', 'tags']).where('id', '=', customerId).executeTakeFirst();
  if (c && (c.retention_driver === 'vip' || c.tags.map((x) => x.toLowerCase()).includes('vip'))) return 'vip';
  const detractor = await db
    .selectFrom('survey_responses')
    .select('id')
    .where('customer_id', '=', customerId)
    .where('kind', '=', 'nps')
    .where('score', '<=', 6)
    .where('answered_at', '>=', new Date(now.getTime() - 90 * 86400_000))
    .limit(1)
    .executeTakeFirst();
  if (detractor) return 'detractor';
  return isAngry(text) ? 'angry' : null;
}

export async function route(db: Database, settings: RoutingSettings, customerId: string, text: string, now: Date): Promise<RouteDecision | null> {
  if (!settings.enabled) return null;
  const users = await db.selectFrom('users').select(['id']).where('disabled_at', 'is', null).execute();
  const active = new Set(users.map((u) => u.id));
  const available = (id: string) => active.has(id) && !settings.away.includes(id);
  const why = await importance(db, customerId, text, now);
  if (why) {
    const senior = settings.seniority.find(available);
    if (senior) return { assigneeUserId: senior, reason: why, priority: 'high' };
  }
  // Round-robin by open load among everyone available (the seniority list, or all staff when it is empty).
  const pool = (settings.seniority.length ? settings.seniority : [...active]).filter(available);
  if (!pool.length) return { assigneeUserId: null, reason: 'nobody_available', priority: why ? 'high' : null };
  const load = await db
    .selectFrom('conversations')
    .select(['assignee_user_id', (eb) => eb.fn.countAll<number>().as('open'), sql<Date>`max(created_at)`.as('last')])
    .where('assignee_user_id', 'in', pool)
    .where('status', 'in', ['open', 'pending'])
    .groupBy('assignee_user_id')
    .execute();
  const byUser = new Map(load.map((l) => [l.assignee_user_id!, { open: Number(l.open), last: l.last ? new Date(l.last).getTime() : 0 }]));
  const ranked = [...pool].sort((a, b) => {
    const x = byUser.get(a) ?? { open: 0, last: 0 };
    const y = byUser.get(b) ?? { open: 0, last: 0 };
    return x.open - y.open || x.last - y.last || pool.indexOf(a) - pool.indexOf(b);
  });
  return { assigneeUserId: ranked[0], reason: why ?? 'round_robin', priority: why ? 'high' : null };
}
