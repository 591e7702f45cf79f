import type { Feature } from '../platform/feature.js';
import { workspaceMigrations } from './workspace.migrations.js';
import { workspaceRoutes } from './workspace.routes.js';

export const workspaceFeature: Feature = { name: 'workspace', migrations: workspaceMigrations, routes: workspaceRoutes };
