import type { AppContext } from '../platform/context.js';
import type { App } from '../platform/http/server.js';

export async function taskRoutes(app: App, ctx: AppContext): Promise<void> {
  void app;
  void ctx;
}
