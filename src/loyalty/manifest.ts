import type { Feature } from '../platform/feature.js';

export const loyaltyFeature: Feature = {
  name: 'loyalty',
  load: async () => {
    const { pointsStep, promoStep, tierVariables } = await import('./loyalty.actions.js');
    const { expirySubscribers, noticeExpiring, pointsExpiringTrigger } = await import('./loyalty.expiry.js');
    const { expireInactive } = await import('./loyalty.ledger.js');
    const { mergeSubscribers } = await import('./loyalty.merge.js');
    const { loyaltyMigrations } = await import('./loyalty.migrations.js');
    const { loyaltyRoutes } = await import('./loyalty.routes.js');
    const { creditBirthdays } = await import('./loyalty.rewards.js');
    const { getLoyaltySettings } = await import('./loyalty.settings.js');
    const { BIRTHDAY_JOB, EXPIRE_JOB, loyaltySubscribers, REVERSE_JOB, reverseVoidedJob, tierReachedTrigger } = await import('./loyalty.subscribers.js');
    const { refreshTiers } = await import('./loyalty.tiers.js');
    return {
      migrations: loyaltyMigrations,
      routes: loyaltyRoutes,
      subscribers: [...loyaltySubscribers, ...expirySubscribers, ...mergeSubscribers],
      jobs: {
        [REVERSE_JOB]: reverseVoidedJob,
        // balances about to expire are noticed, expired ones expire, then every tier again: points older than a year stop counting
        [EXPIRE_JOB]: async (ctx) => {
          const noticed = (await noticeExpiring(ctx)).length;
          const expired = await expireInactive(ctx.db, ctx.now(), (await getLoyaltySettings(ctx.db)).expiryMonths);
          return `expiring soon ${noticed}, expired ${expired}, tiers changed ${(await refreshTiers(ctx, { all: true })).length}`;
        },
        [BIRTHDAY_JOB]: async (ctx) => `birthday points for ${await creditBirthdays(ctx)}`,
      },
      schedules: [
        { kind: REVERSE_JOB, everyMs: 3600_000 },
        { kind: EXPIRE_JOB, everyMs: 86400_000 },
        { kind: BIRTHDAY_JOB, everyMs: 3600_000 },
      ],
      contributes: { playbookActions: [promoStep, pointsStep], playbookCustomerVariables: [tierVariables], playbookTriggers: [tierReachedTrigger, pointsExpiringTrigger] },
    };
  },
};
