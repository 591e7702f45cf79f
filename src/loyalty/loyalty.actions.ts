// The playbook steps loyalty runs, contributed to playbooks through the manifest: 'promo' makes
// a real single-use code for the customer (once per step, however often the step runs) and
// 'points' writes a ledger entry keyed on the step.
import type { CustomerVariables, PlaybookActionRunner } from '../playbooks/index.js';
import { getWorkspace } from '../workspace/index.js';
import { codeForKey } from './loyalty.codes.service.js';
import { addEntry, customerLoyalty } from './loyalty.ledger.js';
import { refreshTiers } from './loyalty.tiers.js';

/** How long a code a playbook issues stays valid. */
export const PLAYBOOK_CODE_DAYS = 90;

export const promoStep: PlaybookActionRunner = {
  type: 'promo',
  async run(ctx, step) {
    if (step.action.type !== 'promo') return { status: 'failed', detail: `not a promo step: ${step.action.type}` };
    const currency = (await getWorkspace(ctx.db))?.currency ?? 'EUR';
    const { code } = await codeForKey(ctx.db, `playbook-step:${step.key}`, {
      prefix: step.action.prefix,
      use: 'single',
      customerId: step.customerId,
      percentOff: step.action.percentOff,
      currency,
      usageLimit: 1,
      expiresAt: new Date(ctx.now().getTime() + PLAYBOOK_CODE_DAYS * 86400_000),
      note: step.playbookName,
      source: step.source,
    });
    return {
      status: 'done',
      detail: `promo code ${code.code} (${code.percentOff}% off)`,
      touchpoint: {
        channel: 'system',
        direction: 'out',
        summary: `${step.playbookName}: promo code ${code.code} issued (${code.percentOff}% off the next purchase, valid until ${code.expiresAt!.toISOString().slice(0, 10)})`,
      },
      dataPatch: { promo: { code: code.code, percent_off: code.percentOff, expires: code.expiresAt!.toISOString().slice(0, 10) } },
    };
  },
};

export const pointsStep: PlaybookActionRunner = {
  type: 'points',
  async run(ctx, step) {
    if (step.action.type !== 'points') return { status: 'failed', detail: `not a points step: ${step.action.type}` };
    const { created } = await addEntry(ctx.db, {
      customerId: step.customerId,
      kind: 'earn',
      points: step.action.points,
      reason: step.playbookName,
      idempotencyKey: `playbook-step:${step.key}`,
      source: step.source,
      occurredAt: ctx.now(),
    });
    if (created) await refreshTiers(ctx, { customerIds: [step.customerId] });
    return {
      status: 'done',
      detail: `${step.action.points} points awarded${created ? '' : ' (already in the ledger)'}`,
      touchpoint: { channel: 'system', direction: 'out', summary: `${step.playbookName}: ${step.action.points} loyalty points awarded` },
    };
  },
};

/** `{{ customer.tier }}`, `{{ customer.points }}`, `{{ customer.next_tier }}`, `{{ customer.points_to_next_tier }}` in playbook templates. */
export const tierVariables: CustomerVariables = {
  feature: 'loyalty',
  async variables(ctx, customerId) {
    const l = await customerLoyalty(ctx.db, customerId, ctx.now());
    return { tier: l.tier?.name ?? '', points: l.balance, next_tier: l.next?.name ?? '', points_to_next_tier: l.next?.remaining ?? 0 };
  },
};
