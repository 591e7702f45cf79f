// Cancellations and refunds applied to the orders they undo. Pure: the writer hands in a
// customer's orders and refunds and stores what this answers.
//
// The rule is the report's (analytics/orders.ts applyCancellations), so an imported file and the
// same file read by `keepwell report` agree: a refund undoes an order of the same customer and
// currency on or before its date — the order it names, else the latest one of exactly its amount
// (Online Retail's C541433, −77,183.60, cancels 541431 of +77,183.60). Else it is a partial
// refund: it comes off the latest earlier order still standing (down to zero, when that order
// counts as cancelled), then the one before, until it is used up; a named order takes only
// what it holds. What no order can take is reported.

export interface CandidateOrder {
  /** the order's external id (what a refund may name) */
  ext: string | null;
  /** ms since the epoch */
  at: number;
  /** what the order is worth now, minor units (after earlier refunds) */
  amount: number;
  currency: string;
  /** paid and not cancelled: an order a refund may still undo */
  standing: boolean;
}

export interface RefundInput {
  at: number;
  /** minor units, positive */
  amount: number;
  currency: string;
  /** the order it names, if any */
  cancels: string | null;
}

export interface RefundMatch {
  /** order index → minor units taken off it */
  parts: { order: number; amount: number }[];
  /** minor units no order could take */
  left: number;
  /** it undid one order in full (its amount was that order's amount) */
  whole: boolean;
}

/** Matches one customer's refunds to their orders. `orders` amounts are updated in place (they
 * end as what each order is worth after the refunds). */
export function matchRefunds(orders: CandidateOrder[], refunds: RefundInput[]): RefundMatch[] {
  const result: RefundMatch[] = refunds.map(() => ({ parts: [], left: 0, whole: false }));
  // by time: a refund sees only the orders before it (orders first at the same instant)
  const refundOrder = refunds.map((_, i) => i).sort((a, b) => refunds[a].at - refunds[b].at || a - b);
  const byTime = orders.map((_, i) => i).sort((a, b) => orders[a].at - orders[b].at || a - b);
  for (const r of refundOrder) {
    const refund = refunds[r];
    const open = byTime.filter((o) => orders[o].standing && orders[o].amount > 0 && orders[o].at <= refund.at && orders[o].currency === refund.currency);
    const named = refund.cancels === null ? -1 : (open.find((o) => orders[o].ext === refund.cancels) ?? -1);
    let whole = -1;
    if (named >= 0) {
      if (refund.amount >= orders[named].amount) whole = named;
    } else {
      for (let k = open.length - 1; k >= 0; k--)
        if (orders[open[k]].amount === refund.amount) {
          whole = open[k];
          break;
        }
    }
    const m = result[r];
    if (whole >= 0) {
      const o = orders[whole];
      m.parts.push({ order: whole, amount: o.amount });
      m.left = refund.amount - o.amount;
      m.whole = true;
      o.amount = 0;
      o.standing = false;
      continue;
    }
    let left = refund.amount;
    const from = named >= 0 ? [named] : open.slice().reverse();
    for (const k of from) {
      if (left <= 0) break;
      const o = orders[k];
      const off = Math.min(o.amount, left);
      o.amount -= off;
      left -= off;
      m.parts.push({ order: k, amount: off });
      if (o.amount === 0) o.standing = false;
    }
    m.left = left;
  }
  return result;
}
