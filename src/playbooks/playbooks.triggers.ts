// The extension point through which other features add playbook triggers of their own (loyalty:
// "points are about to expire"). A contributed trigger is an event trigger: the feature emits
// `emitPlaybookEvent(ctx, { type, customerId, occurrenceKey, data })` with the trigger's type, and
// every enabled playbook with that trigger (and matching fields) enrols the customer once per
// occurrence. The engine's own triggers stay in playbooks.core.ts.
//
//   contributes: { playbookTriggers: [{ type: 'points.expiring', label: 'points are about to expire',
//     fields: { minPoints: z.number().int().min(0).default(0) },
//     matches: (trigger, data) => Number(data.points) >= Number(trigger.minPoints) }] }
import type { z } from 'zod';
import { contributions } from '../platform/feature.js';

export interface PlaybookTriggerDef {
  /** the trigger's type, and the type of the playbook events that fire it ('points.expiring') */
  type: string;
  /** what the owner reads in the trigger picker ("points are about to expire") */
  label: string;
  /** the trigger's fields besides `type`, checked when a playbook is saved */
  fields?: z.ZodRawShape;
  /** whether an event's data fires this trigger with these fields (default: every event of the type) */
  matches?: (trigger: Record<string, unknown>, data: Record<string, unknown>) => boolean;
}

declare module '../platform/feature.js' {
  interface FeatureContributions {
    playbookTriggers: PlaybookTriggerDef[];
  }
}

/** The contributed triggers; none where the features are not loaded (the pure core's own tests). */
export function contributedTriggers(): PlaybookTriggerDef[] {
  try {
    return contributions('playbookTriggers');
  } catch {
    return [];
  }
}
