import type { Feature } from '../platform/feature.js';
import { taskMigrations } from './tasks.migrations.js';
import { taskRoutes } from './tasks.routes.js';

export const tasksFeature: Feature = { name: 'tasks', migrations: taskMigrations, routes: taskRoutes };
