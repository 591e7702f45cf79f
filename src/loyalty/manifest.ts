import type { Feature } from '../platform/feature.js';

export const loyaltyFeature: Feature = {
  name: 'loyalty',
  load: async () => {
    const { pointsStep, promoStep } = await import('./loyalty.actions.js');
    const { expireInactive } = await import('./loyalty.ledger.js');
    const { loyaltyMigrations } = await import('./loyalty.migrations.js');
    const { loyaltyRoutes } = await import('./loyalty.routes.js');
    const { getLoyaltySettings } = await import('./loyalty.settings.js');
    const { EXPIRE_JOB, loyaltySubscribers, REVERSE_JOB, reverseVoidedJob } = await import('./loyalty.subscribers.js');
    return {
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
  },
};
