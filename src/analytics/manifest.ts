import type { Feature } from '../platform/feature.js';
import { registerAnalyticsCommands } from './analytics.cli.js';
import { seedAnalyticsDemo } from './analytics.demo.js';
import { analyticsMigrations } from './analytics.migrations.js';
import { analyticsRoutes, analyticsSubscribers } from './analytics.routes.js';

export const analyticsFeature: Feature = {
  name: 'analytics',
  migrations: analyticsMigrations,
  routes: analyticsRoutes,
  commands: registerAnalyticsCommands,
  subscribers: analyticsSubscribers,
  demo: seedAnalyticsDemo,
};
