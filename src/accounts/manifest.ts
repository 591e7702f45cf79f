import type { Feature } from '../platform/feature.js';

export const accountsFeature: Feature = {
  name: 'accounts',
  load: async () => {
    const { accountMigrations } = await import('./accounts.migrations.js');
    const { authenticate } = await import('./accounts.auth.js');
    const { accountRoutes } = await import('./accounts.routes.js');
    return { migrations: accountMigrations, routes: accountRoutes, authenticate };
  },
};
