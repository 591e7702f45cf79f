import type { Feature } from '../platform/feature.js';

export const workspaceFeature: Feature = {
  name: 'workspace',
  load: async () => {
    const { workspaceMigrations } = await import('./workspace.migrations.js');
    const { workspaceRoutes } = await import('./workspace.routes.js');
    return { migrations: workspaceMigrations, routes: workspaceRoutes };
  },
};
