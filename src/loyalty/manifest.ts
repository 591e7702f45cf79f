import type { Feature } from '../platform/feature.js';
import { pointsStep, promoStep } from './loyalty.actions.js';
import { expireInactive } from './loyalty.ledger.js';
import { loyaltyMigrations } from './loyalty.migrations.js';
import { loyaltyRoutes } from './loyalty.routes.js';
import { getLoyaltySettings } from './loyalty.settings.js';
import { EXPIRE_JOB, loyaltySubscribers, REVERSE_JOB, reverseVoidedJob } from './loyalty.subscribers.js';

export const loyaltyFeature: Feature = {
  name: 'loyalty',
  migrations: loyaltyMigrations,
  routes: loyaltyRoutes,
  subscribers: loyaltySubscribers,
  jobs: {
    [REVERSE_JOB]: reverseVoidedJob,
    [EXPIRE_JOB]: async (ctx) => `expired ${await expireInactive(ctx.db, ctx.now(), (await getLoyaltySettings(ctx.db)).expiryMonths)}`,
  },
  schedules: [
    { kind: REVERSE_JOB, everyMs: 3600_000 },
    { kind: EXPIRE_JOB, everyMs: 86400_000 },
  ],
  contributes: { playbookActions: [promoStep, pointsStep] },
};
