import type { Feature } from '../platform/feature.js';
import { accountMigrations } from './accounts.migrations.js';
import { authenticate } from './accounts.auth.js';
import { accountRoutes } from './accounts.routes.js';

export const accountsFeature: Feature = {
  name: 'accounts',
  migrations: accountMigrations,
  routes: accountRoutes,
  authenticate,
};
