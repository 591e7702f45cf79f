// Health score 0–100 with the reasons that made it. Each factor has a weight; factors we know
// nothing about (no survey answered, no touchpoints recorded) are left out and the score is
// scaled over the factors that are known, so a missing survey neither helps nor hurts.

export interface HealthInputs {
  /** P(alive) from the purchase model, or for a subscriber the chance of renewing next time */
  pAlive: number | null;
  /** 'renewal' when pAlive is a subscriber's chance of renewing */
  pAliveMeaning?: 'alive' | 'renewal';
  /** days since the last purchase */
  daysSinceLastPurchase: number | null;
  /** the customer's usual days between purchases (their own, else the business's) */
  usualGapDays: number | null;
  /** false when usualGapDays is the business's gap (too few purchases for a rhythm of their own) */
  ownGap?: boolean;
  /** purchase days so far (says "bought once" or "twice" when the gap is the business's) */
  purchases?: number;
  /** last survey answer on a 0–10 scale (NPS; CSAT 1–5 is scaled by the caller) */
  lastSurveyScore?: number | null;
  openComplaints?: number | null;
  daysSinceLastTouchpoint?: number | null;
  /**
   * A customer without a repeat purchase: the model's P(alive) = 1 is its convention, not
   * evidence, so the factor is what the data supports instead — the share of customers still
   * without a second purchase this long after their first (`peers` of them) who came back later
   * (null: too few such customers to tell).
   */
  oneTime?: { share: number | null; peers: number; ageDays: number } | null;
}

export interface HealthFactor {
  factor: 'p_alive' | 'rhythm' | 'survey' | 'complaints' | 'touchpoint';
  points: number;
  max: number;
  text: string;
}

export interface Health {
  score: number;
  /** the reasons, most damaging first */
  reasons: string[];
  factors: HealthFactor[];
}

export const healthWeights = { p_alive: 40, rhythm: 25, survey: 15, complaints: 10, touchpoint: 10 } as const;

const clamp01 = (v: number) => Math.max(0, Math.min(1, v));
const pct = (v: number) => `${Math.round(v * 100)}%`;
/** "1 day", "3 days" */
const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

export function healthScore(input: HealthInputs): Health {
  const factors: HealthFactor[] = [];
  if (input.oneTime) {
    const { share, peers, ageDays } = input.oneTime;
    const like = `without a second purchase ${ageDays} day${ageDays === 1 ? '' : 's'} after their first`;
    factors.push(
      share === null
        ? // too few customers to compare with: not scored either way
          { factor: 'p_alive', max: 0, points: 0, text: `No second purchase yet; too few customers were still ${like} to tell how many come back` }
        : {
            factor: 'p_alive',
            max: healthWeights.p_alive,
            points: healthWeights.p_alive * clamp01(share),
            text: `No second purchase yet: of the ${peers} customers still ${like}, ${pct(share)} came back later`,
          },
    );
  } else if (input.pAlive !== null && Number.isFinite(input.pAlive)) {
    const p = clamp01(input.pAlive);
    factors.push({
      factor: 'p_alive',
      max: healthWeights.p_alive,
      points: healthWeights.p_alive * p,
      text:
        input.pAliveMeaning === 'renewal'
          ? p >= 0.8
            ? `Likely to renew (${pct(p)})`
            : p >= 0.5
              ? `May not renew (${pct(p)} chance of renewing)`
              : `Unlikely to renew (${pct(p)} chance of renewing)`
          : p >= 0.8
            ? `Very likely still a customer (${pct(p)} chance)`
            : p >= 0.5
              ? `May be drifting away (${pct(p)} chance they are still a customer)`
              : `Probably lost (${pct(p)} chance they are still a customer)`,
    });
  }
  if (input.daysSinceLastPurchase !== null && input.usualGapDays !== null && input.usualGapDays > 0) {
    const ratio = input.daysSinceLastPurchase / input.usualGapDays;
    // on time up to their usual gap, then linearly down to nothing at three times the gap
    const share = ratio <= 1 ? 1 : clamp01(1 - (ratio - 1) / 2);
    const gap = Math.round(input.usualGapDays);
    factors.push({
      factor: 'rhythm',
      max: healthWeights.rhythm,
      points: healthWeights.rhythm * share,
      text:
        input.ownGap === false
          ? `${(input.purchases ?? 1) > 1 ? `Last of ${input.purchases} orders ${days(input.daysSinceLastPurchase)} ago, too few for a rhythm of their own` : `Bought once, ${days(input.daysSinceLastPurchase)} ago`}; customers here usually come back within ${days(gap)}${ratio <= 1 ? '' : ` (${ratio.toFixed(1)}× that)`}`
          : ratio <= 1
            ? `On rhythm: last order ${days(input.daysSinceLastPurchase)} ago, usually every ${days(gap)}`
            : `Overdue: ${days(input.daysSinceLastPurchase)} since the last order, usually every ${days(gap)} (${ratio.toFixed(1)}× late)`,
    });
  }
  if (input.lastSurveyScore !== null && input.lastSurveyScore !== undefined && Number.isFinite(input.lastSurveyScore)) {
    const s = Math.max(0, Math.min(10, input.lastSurveyScore));
    factors.push({
      factor: 'survey',
      max: healthWeights.survey,
      points: (healthWeights.survey * s) / 10,
      text: s >= 9 ? `Promoter in the last survey (${s}/10)` : s >= 7 ? `Passive in the last survey (${s}/10)` : `Detractor in the last survey (${s}/10)`,
    });
  }
  if (input.openComplaints !== null && input.openComplaints !== undefined) {
    const n = Math.max(0, Math.floor(input.openComplaints));
    factors.push({
      factor: 'complaints',
      max: healthWeights.complaints,
      points: n === 0 ? healthWeights.complaints : n === 1 ? healthWeights.complaints * 0.4 : 0,
      text: n === 0 ? 'No open complaints' : `${n} open complaint${n > 1 ? 's' : ''}`,
    });
  }
  if (input.daysSinceLastTouchpoint !== null && input.daysSinceLastTouchpoint !== undefined) {
    const d = Math.max(0, input.daysSinceLastTouchpoint);
    const share = d <= 30 ? 1 : clamp01(1 - (d - 30) / 150);
    factors.push({
      factor: 'touchpoint',
      max: healthWeights.touchpoint,
      points: healthWeights.touchpoint * share,
      text: d <= 30 ? `In touch recently (${days(Math.round(d))} ago)` : `No contact for ${days(Math.round(d))}`,
    });
  }
  let max = 0;
  let got = 0;
  for (const f of factors) {
    f.points = Math.round(f.points * 10) / 10;
    max += f.max;
    got += f.points;
  }
  const score = max > 0 ? Math.round((100 * got) / max) : 50;
  // most damaging first, then by factor name (plain ASCII names: code-unit order, no collator)
  const reasons = factors
    .slice()
    .sort((f, g) => g.max - g.points - (f.max - f.points) || (f.factor < g.factor ? -1 : f.factor > g.factor ? 1 : 0))
    .map((f) => f.text);
  return { score, reasons, factors };
}
