// What the customer is told about waiting: computed from recent first replies (median, in
// business time) and the current queue; when nobody is in, it says so and when someone will be.
import type { Database } from '../platform/db/database.js';
import { wallClockAt } from '../platform/time.js';
import { businessHours, getInboxSettings, type InboxSettings } from './inbox.settings.js';
import { addBusinessMs, type BusinessHours, businessMsBetween, openAt } from './sla.js';

export interface ExpectedWait {
  open: boolean;
  /** the next opening, when closed now */
  nextOpenAt: string | null;
  /** the expected business minutes to a first reply */
  expectedMinutes: number;
  /** when the first reply is likely (an instant) */
  expectedBy: string;
  /** a sentence to show the customer */
  message: string;
  basis: { recentReplies: number; waiting: number; agentsAvailable: number };
}

function human(minutes: number): string {
  if (minutes < 2) return 'a minute or two';
  if (minutes < 60) return `about ${Math.round(minutes / 5) * 5 || minutes} minutes`;
  const h = Math.round(minutes / 30) / 2;
  return h === 1 ? 'about an hour' : `about ${h} hours`;
}

/** What the estimate reads from the database: recent first replies (their median) and the queue. */
interface Basis {
  median: number;
  samples: number;
  waiting: number;
  agents: number;
}
/** per database: the last basis read (or being read: callers at the same moment share one read) */
const basisCache = new WeakMap<object, { key: string; at: number; basis: Promise<Basis> }>();

/** What the basis depends on besides the data: a change of these settings reads afresh (the settings object itself is renewed every few seconds). */
const basisKey = (s: InboxSettings, bh: BusinessHours) => JSON.stringify([s.firstResponseMinutes.normal, s.routing.away, bh]);

/**
 * The expected wait. `maxAgeMs`: a basis read at most this long ago (by `now`) may be reused — the
 * public chat asks on every chat opened, and a median of the last 200 first replies moves slowly.
 * Staff and tests ask without it and always read afresh.
 */
export async function expectedWait(db: Database, now: Date, opts: { maxAgeMs?: number } = {}): Promise<ExpectedWait> {
  const settings = await getInboxSettings(db);
  const bh = await businessHours(db, settings);
  const hit = basisCache.get(db);
  const key = basisKey(settings, bh);
  const age = hit ? now.getTime() - hit.at : Number.POSITIVE_INFINITY;
  let basis: Promise<Basis>;
  if (hit && hit.key === key && opts.maxAgeMs && age >= 0 && age < opts.maxAgeMs) basis = hit.basis;
  else {
    basis = readBasis(db, now, settings, bh);
    const entry = { key, at: now.getTime(), basis };
    basisCache.set(db, entry);
    basis.catch(() => {
      if (basisCache.get(db) === entry) basisCache.delete(db);
    });
  }
  return describe(now, bh, await basis);
}

async function readBasis(db: Database, now: Date, settings: InboxSettings, bh: BusinessHours): Promise<Basis> {
  const recent = await db
    .selectFrom('conversations')
    .select(['created_at', 'first_responded_at'])
    .where('first_responded_at', 'is not', null)
    .where('automatic', '=', false)
    .where('created_at', '>=', new Date(now.getTime() - 14 * 86400_000))
    .orderBy('created_at', 'desc')
    .limit(200)
    .execute();
  const samples = recent.map((r) => businessMsBetween(new Date(r.created_at), new Date(r.first_responded_at!), bh)).sort((a, b) => a - b);
  const median = samples.length ? samples[Math.floor(samples.length / 2)] : settings.firstResponseMinutes.normal * 60_000;
  const waiting = Number(
    (
      await db
        .selectFrom('conversations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'open')
        .where('first_responded_at', 'is', null)
        .where('automatic', '=', false)
        .executeTakeFirstOrThrow()
    ).n,
  );
  const users = await db.selectFrom('users').select('id').where('disabled_at', 'is', null).execute();
  const agents = Math.max(1, users.filter((u) => !settings.routing.away.includes(u.id)).length);
  return { median, samples: samples.length, waiting, agents };
}

function describe(now: Date, bh: BusinessHours, { median, samples, waiting, agents }: Basis): ExpectedWait {
  // A long queue per person adds to the usual time: each conversation ahead beyond the first few
  // costs a share of the usual reply time.
  const queuePerAgent = waiting / agents;
  const expectedMs = Math.round(median * (1 + Math.max(0, queuePerAgent - 3) / 3));
  const expectedMinutes = Math.max(1, Math.round(expectedMs / 60_000));
  const state = openAt(now, bh);
  const by = addBusinessMs(now, expectedMs, bh);
  const local = (d: Date) => {
    const w = wallClockAt(d, bh.timeZone);
    const day = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][w.weekday];
    const time = `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
    return { day, time };
  };
  let message: string;
  if (state.open) {
    message = `We usually reply within ${human(expectedMinutes)}.`;
  } else if (state.nextOpen) {
    const next = local(state.nextOpen!);
    message = `Nobody is in right now. We are back ${next.day} at ${next.time} (${bh.timeZone}) and usually reply within ${human(expectedMinutes)} after that.`;
  } else {
    message = 'Nobody is in right now. We will reply as soon as we can.';
  }
  return {
    open: state.open,
    nextOpenAt: state.nextOpen ? state.nextOpen.toISOString() : null,
    expectedMinutes,
    expectedBy: by.toISOString(),
    message,
    basis: { recentReplies: samples, waiting, agentsAvailable: agents },
  };
}
