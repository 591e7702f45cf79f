import { z } from 'zod';
import type { AppContext } from '../platform/context.js';
import { ping } from '../platform/db/database.js';
import { diskProblems } from '../platform/disk.js';
import { HttpError, notFound } from '../platform/http/errors.js';
import { SESSION_COOKIE } from '../platform/http/access.js';
import type { App } from '../platform/http/server.js';
import { workspaceInput } from '../workspace/index.js';
import { authenticate, createApiToken, createSession, createUser, destroySession, hasOwner, setUpWorkspace } from './accounts.service.js';
import { audit } from './audit.js';
import { passwordRules } from './passwords.js';
import { beginSignIn, signInFailed, signInSucceeded, tooManyMessage } from './sign-in-guard.js';

const email = z.string().trim().email('is not a valid email address').max(320);
const password = z.string().min(passwordRules.min, `must be at least ${passwordRules.min} characters`).max(passwordRules.max);

export async function accountRoutes(app: App, ctx: AppContext): Promise<void> {
  const cookieOptions = (expires: Date) => ({
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: ctx.config.publicUrl.startsWith('https://'),
    expires,
  });

  app.get('/api/health', { config: { access: 'public' }, schema: { tags: ['system'], summary: 'Liveness, database and disk check' } }, async (_req, reply) => {
    const dbOk = await ping(ctx.db);
    // A full disk: a write failed for lack of space just now, or the data folder's disk is nearly full.
    const problems = [...(dbOk ? [] : ['the database cannot be reached']), ...diskProblems({ dataDir: ctx.config.databaseUrl ? null : ctx.config.dataDir })];
    return reply.code(problems.length ? 503 : 200).send({ status: problems.length ? 'degraded' : 'ok', database: dbOk ? 'ok' : 'unreachable', problems });
  });

  app.get('/api/auth/me', { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'The signed-in user, if any, and whether setup is needed' } }, async (req) => ({
    user: req.user ? { id: req.user.id, email: req.user.email, name: req.user.name, role: req.user.role } : null,
    csrfToken: req.user?.csrfToken ?? null,
    needsSetup: !(await hasOwner(ctx.db)),
  }));

  app.post(
    '/api/setup',
    {
      config: { access: 'public', rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'First-run setup: create the owner and the workspace',
        body: z.object({ owner: z.object({ name: z.string().trim().min(1, 'is required').max(200), email, password }), workspace: workspaceInput }),
      },
    },
    async (req, reply) => {
      // Once, atomically: of racing setups one wins and the others get 409.
      const user = await setUpWorkspace(ctx.db, req.body);
      const session = await createSession(ctx.db, user.id, ctx.now());
      reply.setCookie(SESSION_COOKIE, session.token, cookieOptions(session.expiresAt));
      await audit(ctx.db, { user: { ...user, via: 'session' }, ip: req.ip }, 'setup', 'workspace', { email: user.email });
      return { user, csrfToken: session.csrfToken };
    },
  );

  app.post(
    '/api/auth/login',
    {
      // In this process's memory, per address: 10 tries a minute (a cheap first shield against floods,
      // each try costs a 128 MiB scrypt). The real limits are counted in the database: see sign-in-guard.ts.
      config: { access: 'public', rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: { tags: ['auth'], summary: 'Sign in with email and password', body: z.object({ email, password: z.string().min(1, 'is required').max(passwordRules.max) }) },
    },
    async (req, reply) => {
      const gate = await beginSignIn(ctx.db, req.body.email, req.ip, ctx.now());
      if (!gate.ok) {
        reply.header('retry-after', String(gate.retryAfterSeconds));
        throw new HttpError(429, 'too_many_attempts', tooManyMessage(gate));
      }
      const user = await authenticate(ctx.db, req.body.email, req.body.password);
      if (!user) {
        await audit(ctx.db, { user: null, ip: req.ip }, 'signin.failed', null, { email: req.body.email });
        await signInFailed(ctx, gate);
        throw new HttpError(401, 'bad_credentials', 'Wrong email or password');
      }
      await signInSucceeded(ctx.db, req.body.email);
      const session = await createSession(ctx.db, user.id, ctx.now());
      reply.setCookie(SESSION_COOKIE, session.token, cookieOptions(session.expiresAt));
      const who = { id: user.id, email: user.email, name: user.name, role: user.role };
      await audit(ctx.db, { user: { ...who, via: 'session' }, ip: req.ip }, 'signin', null);
      return { user: who, csrfToken: session.csrfToken };
    },
  );

  app.post('/api/auth/logout', { config: { access: 'staff' }, schema: { tags: ['auth'], summary: 'Sign out' } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await destroySession(ctx.db, token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/api/users', { config: { access: 'owner' }, schema: { tags: ['auth'], summary: 'Staff accounts (owner)' } }, async () => ({
    users: await ctx.db.selectFrom('users').select(['id', 'email', 'name', 'role', 'created_at', 'disabled_at']).orderBy('created_at').execute(),
  }));

  app.get('/api/staff', { config: { access: 'staff' }, schema: { tags: ['auth'], summary: 'Active staff, for assigning work' } }, async () => ({
    staff: await ctx.db.selectFrom('users').select(['id', 'name', 'role']).where('disabled_at', 'is', null).orderBy('name').execute(),
  }));

  app.post(
    '/api/users',
    {
      config: { access: 'owner' },
      schema: { tags: ['auth'], summary: 'Add a staff account (owner)', body: z.object({ name: z.string().trim().min(1, 'is required').max(200), email, password, role: z.enum(['owner', 'agent']) }) },
    },
    async (req, reply) => {
      const user = await createUser(ctx.db, req.body);
      await audit(ctx.db, req, 'user.create', user.email, { role: user.role });
      return reply.code(201).send({ user });
    },
  );

  app.patch(
    '/api/users/:id',
    {
      config: { access: 'owner' },
      schema: {
        tags: ['auth'],
        summary: 'Change a role or disable an account (owner)',
        params: z.object({ id: z.string().uuid() }),
        body: z.object({ role: z.enum(['owner', 'agent']).optional(), disabled: z.boolean().optional() }),
      },
    },
    async (req) => {
      if (req.params.id === req.user!.id && (req.body.disabled || req.body.role === 'agent')) {
        throw new HttpError(400, 'self_lockout', 'You cannot demote or disable your own account');
      }
      const changes = {
        ...(req.body.role ? { role: req.body.role } : {}),
        ...(req.body.disabled !== undefined ? { disabled_at: req.body.disabled ? ctx.now() : null } : {}),
      };
      if (Object.keys(changes).length === 0) {
        throw new HttpError(400, 'validation', 'Nothing to change: send role or disabled', [{ field: 'body', message: 'send role or disabled' }]);
      }
      const row = await ctx.db.updateTable('users').set(changes).where('id', '=', req.params.id).returning(['id', 'email', 'name', 'role', 'disabled_at']).executeTakeFirst();
      if (!row) throw notFound('User');
      if (req.body.disabled) await ctx.db.deleteFrom('sessions').where('user_id', '=', row.id).execute();
      await audit(ctx.db, req, 'user.update', row.email, req.body);
      return { user: row };
    },
  );

  app.get('/api/tokens', { config: { access: 'staff' }, schema: { tags: ['auth'], summary: 'Your API tokens' } }, async (req) => ({
    tokens: await ctx.db
      .selectFrom('api_tokens')
      .select(['id', 'name', 'prefix', 'created_at', 'last_used_at'])
      .where('user_id', '=', req.user!.id)
      .where('revoked_at', 'is', null)
      .orderBy('created_at')
      .execute(),
  }));

  app.post(
    '/api/tokens',
    { config: { access: 'staff' }, schema: { tags: ['auth'], summary: 'Create an API token (shown once)', body: z.object({ name: z.string().trim().min(1, 'is required').max(100) }) } },
    async (req, reply) => {
      const token = await createApiToken(ctx.db, req.user!.id, req.body.name);
      await audit(ctx.db, req, 'token.create', token.prefix, { name: token.name });
      return reply.code(201).send(token);
    },
  );

  app.delete('/api/tokens/:id', { config: { access: 'staff' }, schema: { tags: ['auth'], summary: 'Revoke an API token', params: z.object({ id: z.string().uuid() }) } }, async (req) => {
    const row = await ctx.db.updateTable('api_tokens').set({ revoked_at: ctx.now() }).where('id', '=', req.params.id).where('user_id', '=', req.user!.id).returning('prefix').executeTakeFirst();
    if (!row) throw notFound('Token');
    await audit(ctx.db, req, 'token.revoke', row.prefix);
    return { ok: true };
  });

  app.get(
    '/api/audit',
    {
      config: { access: 'owner' },
      schema: {
        tags: ['auth'],
        summary: 'Audit log: sign-ins, settings, exports, erasures (owner)',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), before: z.coerce.number().int().optional() }),
      },
    },
    async (req) => {
      let q = ctx.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(req.query.limit);
      if (req.query.before) q = q.where('id', '<', req.query.before);
      return { entries: await q.execute() };
    },
  );
}
