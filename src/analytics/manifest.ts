import type { Feature } from '../platform/feature.js';

export const analyticsFeature: Feature = {
  name: 'analytics',
  commands: async (program) => (await import('./analytics.cli.js')).registerAnalyticsCommands(program),
  load: async () => {
    const { seedAnalyticsDemo } = await import('./analytics.demo.js');
    const { analyticsMigrations } = await import('./analytics.migrations.js');
    const { analyticsRoutes, analyticsSubscribers, customerListScores } = await import('./analytics.routes.js');
    return {
      migrations: analyticsMigrations,
      routes: analyticsRoutes,
      subscribers: analyticsSubscribers,
      demo: seedAnalyticsDemo,
      contributes: { customerScores: [customerListScores] },
    };
  },
};
