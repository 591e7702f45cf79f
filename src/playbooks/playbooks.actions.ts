// The extension point through which other features run playbook steps of theirs (surveys send
// a survey; loyalty will award points and issue promo codes; recovery an apology). The step's
// definition (its fields, validated when a playbook is saved) stays in playbooks.core.ts; the
// feature that owns the work contributes the runner in its manifest:
//
//   contributes: { playbookActions: [{ type: 'survey', run: async (ctx, step) => ({ status: 'done', detail: '…' }) }] }
import type { AppContext } from '../platform/context.js';
import type { Action } from './playbooks.core.js';

export interface StepOutcome {
  status: 'done' | 'skipped' | 'failed';
  detail: string;
  touchpoint?: { channel: 'note' | 'system' | 'survey'; direction: 'out' | 'internal'; summary: string };
  dataPatch?: Record<string, unknown>;
}

export interface PlaybookStep {
  customerId: string;
  action: Action;
  /** unique per enrolment and step: the runner's idempotency key */
  key: string;
  /** 'playbook:<id>' */
  source: string;
  playbookName: string;
}

export interface PlaybookActionRunner {
  type: Action['type'];
  run(ctx: AppContext, step: PlaybookStep): Promise<StepOutcome>;
}

/** More about a customer for templates (`{{ customer.tier }}`): merged into `customer` by the feature that knows it. */
export interface CustomerVariables {
  feature: string;
  variables(ctx: AppContext, customerId: string): Promise<Record<string, unknown>>;
}

declare module '../platform/feature.js' {
  interface FeatureContributions {
    playbookActions: PlaybookActionRunner[];
    playbookCustomerVariables: CustomerVariables[];
  }
}
