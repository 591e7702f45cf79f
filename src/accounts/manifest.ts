import type { Feature } from '../platform/feature.js';

export const accountsFeature: Feature = {
  name: 'accounts',
  load: async () => {
    const { accountMigrations } = await import('./accounts.migrations.js');
    const { authenticate } = await import('./accounts.auth.js');
    const { accountRoutes } = await import('./accounts.routes.js');
    return {
      migrations: accountMigrations,
      routes: accountRoutes,
      authenticate,
      // sessions are random tokens, but a rotation answers a leak: everyone signs in again
      onSecretRotated: async (db) => {
        const r = await db.deleteFrom('sessions').executeTakeFirst();
        return `${Number(r.numDeletedRows)} sessions signed out (everyone signs in again); API tokens keep working`;
      },
    };
  },
};
