// Every feature's routes, registered in this order. A feature adds its routes in its own
// `<feature>.routes.ts`; each route states `config: { access: 'public' | 'staff' | 'owner' }`.
import { accountRoutes } from '../../accounts/accounts.routes.js';
import { analyticsRoutes } from '../../analytics/analytics.routes.js';
import { customerRoutes } from '../../customers/customers.routes.js';
import { playbookRoutes } from '../../playbooks/playbooks.routes.js';
import { surveyRoutes } from '../../surveys/surveys.routes.js';
import { taskRoutes } from '../../tasks/tasks.routes.js';
import { workspaceRoutes } from '../../workspace/workspace.routes.js';
import type { AppContext } from '../context.js';
import type { App } from './server.js';

export type RegisterRoutes = (app: App, ctx: AppContext) => Promise<void>;

export const featureRoutes: RegisterRoutes[] = [
  accountRoutes,
  workspaceRoutes,
  customerRoutes,
  taskRoutes,
  analyticsRoutes,
  playbookRoutes,
  surveyRoutes,
];
