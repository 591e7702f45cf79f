import type { Feature } from '../platform/feature.js';
import { recoveryMigrations } from './recovery.migrations.js';
import { recoveryRoutes } from './recovery.routes.js';

export const recoveryFeature: Feature = {
  name: 'recovery',
  migrations: recoveryMigrations,
  routes: recoveryRoutes,
};
