// Customers merged into another: the merged-away customer's loyalty goes to the one that stays.
// The customers feature moves every row that references the customer by a foreign key in the
// merge transaction, but a table whose unique index refuses the move keeps all its rows with
// the merged customer (both had a tier row, a referral code, were both referred), and a table
// without such a key moves nothing. This subscriber finishes the move row by row, once:
//  - ledger entries change owner (their keys, reasons and dates stay: the balance, the points of
//    the year and the expiry follow from them);
//  - the tier row: the higher of the two tiers stays recorded (no "tier reached" for a tier one
//    of them already had), the merged customer's row goes, then the year is recomputed from the
//    ledger (a tier newly crossed by the points together is announced as usual);
//  - the referral code: moves when the kept customer has none; otherwise it stays under the
//    merged customer and claims follow `merged_into` to the kept one (loyalty.referrals.ts);
//  - referrals either made or received, personal codes, redemptions and expiry notices move,
//    except a referral between the two (it stays as history) and a second redemption of a
//    single-use code (the kept customer's own stays).
// A second delivery finds nothing left to move and changes nothing.
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import { subscriber } from '../platform/events/events.service.js';
import { getLoyaltySettings } from './loyalty.settings.js';
import { refreshTiers, type TierChange } from './loyalty.tiers.js';

export interface MergeMoved {
  keptId: string;
  entries: number;
  referralCode: boolean;
  referrals: number;
  codes: number;
  redemptions: number;
  changes: TierChange[];
}

/** Moves the merged customer's loyalty to the one kept (or to whoever that one was merged into since). */
export async function moveLoyalty(ctx: AppContext, keptId: string, mergedId: string): Promise<MergeMoved> {
  const rules = await getLoyaltySettings(ctx.db);
  const rank = (name: string | null) => (name === null ? -1 : rules.tiers.findIndex((t) => t.name === name));
  const moved = await ctx.db.transaction().execute(async (trx) => {
    // a later merge may have moved the kept customer on: follow it (customers keeps merged_into pointing at the survivor)
    const kept = await trx.selectFrom('customers').select(['id', 'merged_into']).where('id', '=', keptId).executeTakeFirst();
    const target = kept?.merged_into ?? keptId;
    if (target === mergedId) return null;
    // the same per-customer locks as spending: no spend checks a balance halfway through the move
    for (const id of [target, mergedId].sort()) await sql`select pg_advisory_xact_lock(hashtextextended(${`loyalty:${id}`}, 0))`.execute(trx);

    const entries = await trx.updateTable('loyalty_ledger').set({ customer_id: target }).where('customer_id', '=', mergedId).executeTakeFirst();

    const tiers = await trx.selectFrom('loyalty_tiers').selectAll().where('customer_id', 'in', [target, mergedId]).forUpdate().execute();
    const theirs = tiers.find((x) => x.customer_id === mergedId);
    const ours = tiers.find((x) => x.customer_id === target);
    if (theirs) {
      if (!ours) {
        await trx.insertInto('loyalty_tiers').values({ customer_id: target, tier: theirs.tier, previous: theirs.previous, changed_at: theirs.changed_at, year_points: 0 }).execute();
      } else if (rank(theirs.tier) > rank(ours.tier)) {
        await trx.updateTable('loyalty_tiers').set({ tier: theirs.tier, previous: ours.tier, changed_at: ctx.now() }).where('customer_id', '=', target).execute();
      }
      await trx.deleteFrom('loyalty_tiers').where('customer_id', '=', mergedId).execute();
    }

    const hasCode = await trx.selectFrom('loyalty_referral_codes').select('code').where('customer_id', '=', target).executeTakeFirst();
    const code = hasCode ? undefined : await trx.updateTable('loyalty_referral_codes').set({ customer_id: target }).where('customer_id', '=', mergedId).executeTakeFirst();

    const made = await trx
      .updateTable('loyalty_referrals')
      .set({ referrer_customer_id: target })
      .where('referrer_customer_id', '=', mergedId)
      .where('referred_customer_id', '<>', target)
      .executeTakeFirst();
    const received = await sql`
      update loyalty_referrals set referred_customer_id = ${target}
      where referred_customer_id = ${mergedId} and referrer_customer_id <> ${target}
        and not exists (select 1 from loyalty_referrals r where r.referred_customer_id = ${target})`.execute(trx);
    const codes = await trx.updateTable('loyalty_codes').set({ customer_id: target }).where('customer_id', '=', mergedId).executeTakeFirst();
    const redemptions = await sql`
      update loyalty_redemptions d set customer_id = ${target}
      where d.customer_id = ${mergedId}
        and not (d.single_use and exists (select 1 from loyalty_redemptions o where o.code_id = d.code_id and o.customer_id = ${target} and o.single_use))`.execute(trx);
    await trx.updateTable('loyalty_expiry_notices').set({ customer_id: target }).where('customer_id', '=', mergedId).execute();
    return {
      keptId: target,
      entries: Number(entries.numUpdatedRows),
      referralCode: Number(code?.numUpdatedRows ?? 0) > 0,
      referrals: Number(made.numUpdatedRows) + Number(received.numAffectedRows ?? 0),
      codes: Number(codes.numUpdatedRows),
      redemptions: Number(redemptions.numAffectedRows ?? 0),
    };
  });
  if (!moved) return { keptId, entries: 0, referralCode: false, referrals: 0, codes: 0, redemptions: 0, changes: [] };
  // the year from the ledger, always (a crash may have come between the move and this on an earlier delivery)
  const changes = await refreshTiers(ctx, { customerIds: [moved.keptId] });
  return { ...moved, changes };
}

export const mergeSubscribers = [
  subscriber({
    name: 'loyalty.customer-merged',
    on: ['customer.merged'],
    handle: async (ctx, event) => {
      const r = await moveLoyalty(ctx, event.payload.keptId, event.payload.mergedId);
      if (r.entries || r.referrals || r.codes || r.redemptions || r.referralCode) ctx.log.info({ ...r, mergedId: event.payload.mergedId }, 'loyalty moved to the kept customer');
    },
  }),
];
