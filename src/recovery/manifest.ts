import type { Feature } from '../platform/feature.js';

export const recoveryFeature: Feature = {
  name: 'recovery',
  load: async () => {
    const { recoveryMigrations } = await import('./recovery.migrations.js');
    const { recoveryRoutes } = await import('./recovery.routes.js');
    const { recoverySubscribers } = await import('./recovery.subscribers.js');
    const { recoveryTimelineSources } = await import('./recovery.timeline.js');
    return { migrations: recoveryMigrations, routes: recoveryRoutes, subscribers: recoverySubscribers, contributes: { timelineSources: recoveryTimelineSources } };
  },
};
