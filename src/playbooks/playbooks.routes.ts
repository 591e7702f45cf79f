import type { AppContext } from '../platform/context.js';
import type { App } from '../platform/http/server.js';
import { mailRoutes } from '../platform/mail/mail.routes.js';

export async function playbookRoutes(app: App, ctx: AppContext): Promise<void> {
  await mailRoutes(app, ctx);
}
