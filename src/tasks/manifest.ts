import type { Feature } from '../platform/feature.js';

export const tasksFeature: Feature = {
  name: 'tasks',
  load: async () => {
    const { taskMigrations } = await import('./tasks.migrations.js');
    const { taskRoutes } = await import('./tasks.routes.js');
    return { migrations: taskMigrations, routes: taskRoutes };
  },
};
