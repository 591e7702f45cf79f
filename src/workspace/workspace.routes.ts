import { z } from 'zod';
import { audit } from '../accounts/index.js';
import type { AppContext } from '../platform/context.js';
import type { App } from '../platform/http/server.js';
import { industries } from './industries.js';
import { requireWorkspace, saveWorkspace, workspaceInput } from './workspace.service.js';

export async function workspaceRoutes(app: App, ctx: AppContext): Promise<void> {
  app.get('/api/industries', { config: { access: 'public' }, schema: { tags: ['workspace'], summary: 'Industries with their annual retention benchmark' } }, async () => ({ industries }));

  app.get('/api/workspace', { config: { access: 'staff' }, schema: { tags: ['workspace'], summary: 'Workspace settings' } }, async () => {
    const ws = await requireWorkspace(ctx.db);
    return { name: ws.name, industry: ws.industry, timeZone: ws.timeZone, currency: ws.currency, locale: ws.locale, activityWindowDays: ws.activityWindowDays };
  });

  app.patch('/api/workspace', { config: { access: 'owner' }, schema: { tags: ['workspace'], summary: 'Change workspace settings (owner)', body: workspaceInput.partial() } }, async (req) => {
    const current = await requireWorkspace(ctx.db);
    const next = workspaceInput.parse({ ...current, ...req.body });
    const saved = await saveWorkspace(ctx.db, next);
    await audit(ctx.db, req, 'settings.update', 'workspace', { changed: Object.keys(req.body) });
    return { name: saved.name, industry: saved.industry, timeZone: saved.timeZone, currency: saved.currency, locale: saved.locale, activityWindowDays: saved.activityWindowDays };
  });
}
