// The HTTP edge: REST API under /api, OpenAPI at /api/openapi.json with docs at /api/docs,
// the built web app, and the public pages. Routes live in their features; this file only
// wires plugins, authentication, access checks and error shapes.
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import fs from 'node:fs';
import path from 'node:path';
import { ZodError } from 'zod';
import { fileURLToPath } from 'node:url';
import { userFromApiToken, userFromSession } from '../../accounts/accounts.service.js';
import type { AppContext } from '../context.js';
import { allowed } from './access.js';
import { HttpError } from './errors.js';
import { featureRoutes } from './routes.js';

/** One readable line naming every field at fault with its own reason. */
export function validationMessage(fields: { field: string; message: string }[]): string {
  return `Invalid input: ${fields.map((f) => `${f.field || 'body'} ${f.message}`).join('; ')}`;
}

export type App = FastifyInstance<any, any, any, any, ZodTypeProvider>;

export interface RouteAccess {
  method: string;
  url: string;
  access: string | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteAccess[];
  }
}

export const SESSION_COOKIE = 'kw_session';
const webDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/web');
const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface ServerOptions {
  /** serve the built web app from dist/web when it exists (default true) */
  serveWeb?: boolean;
  logger?: boolean;
}

export async function buildServer(ctx: AppContext, options: ServerOptions = {}): Promise<App> {
  const app = Fastify({
    loggerInstance: options.logger === false ? undefined : ctx.log,
    bodyLimit: 1024 * 1024,
    trustProxy: false,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('user', null);
  // Remember what every route allows, so a test can prove each one states it and holds to it.
  const routeTable: RouteAccess[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routeTable.push({ method: String(method), url: route.url, access: route.config?.access });
  });

  await app.register(cookie);
  await app.register(formbody);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Keepwell API', version: '1', description: 'Customer-retention workspace. Authenticate with a session cookie (web app) or `Authorization: Bearer kw_…` (API token from Settings).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  // Who is calling: a bearer API token, else a session cookie.
  app.addHook('onRequest', async (req, reply) => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      req.user = await userFromApiToken(ctx.db, auth.slice(7).trim(), ctx.now());
      if (!req.user) throw new HttpError(401, 'invalid_token', 'The API token is invalid or revoked');
    } else {
      const token = req.cookies[SESSION_COOKIE];
      if (token) req.user = await userFromSession(ctx.db, token, ctx.now());
    }
    const url = req.url;
    // swagger-ui registers its own routes; the docs are public like the health check.
    const access = url.startsWith('/api/docs') || url.startsWith('/assets/') ? 'public' : req.routeOptions.config?.access;
    if (req.routeOptions.url === undefined) return; // 404s answer below
    const verdict = allowed(access, req.user);
    if (verdict === 'anonymous') throw new HttpError(401, 'unauthenticated', 'Sign in first');
    if (verdict === 'forbidden') throw new HttpError(403, 'forbidden', 'Your role may not do this');
    // Cookie sessions must echo their CSRF token on every change.
    if (req.user?.via === 'session' && unsafeMethods.has(req.method) && access !== 'public') {
      if (req.headers['x-csrf-token'] !== req.user.csrfToken) {
        throw new HttpError(403, 'csrf', 'Missing or wrong x-csrf-token header');
      }
    }
    void reply;
  });

  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const fields = error.validation.map((v) => ({
        field: [error.validationContext, ...String(v.instancePath).split('/').filter(Boolean)].filter(Boolean).join('.'),
        message: v.message ?? 'invalid',
      }));
      return reply.code(400).send({ error: { code: 'validation', message: validationMessage(fields), fields } });
    }
    if ((error as unknown) instanceof ZodError) {
      const fields = (error as unknown as ZodError).issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
      return reply.code(400).send({ error: { code: 'validation', message: validationMessage(fields), fields } });
    }
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).send({ error: { code: error.code, message: error.message, fields: error.fields } });
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      // Fastify's own client errors: malformed JSON, body too large, rate limited, bad content type.
      return reply.code(status).send({ error: { code: error.code ?? 'bad_request', message: error.message, fields: [] } });
    }
    req.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'internal', message: 'Something went wrong on our side', fields: [] } });
  });

  for (const register of featureRoutes) await register(app, ctx);
  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  const haveWeb = options.serveWeb !== false && fs.existsSync(path.join(webDist, 'index.html'));
  if (haveWeb) {
    await app.register(fastifyStatic, { root: path.join(webDist, 'assets'), prefix: '/assets/', index: false });
    const indexHtml = fs.readFileSync(path.join(webDist, 'index.html'), 'utf8');
    app.get('/', { config: { access: 'public' }, schema: { hide: true } }, (_req, reply) => reply.type('text/html').send(indexHtml));
    app.setNotFoundHandler((req, reply) => {
      if (req.method === 'GET' && !req.url.startsWith('/api/') && !req.url.startsWith('/p/')) {
        return reply.type('text/html').send(indexHtml); // client-side routes
      }
      return reply.code(404).send({ error: { code: 'not_found', message: `No route ${req.method} ${req.url.split('?')[0]}`, fields: [] } });
    });
  } else {
    app.setNotFoundHandler((req, reply) =>
      reply.code(404).send({ error: { code: 'not_found', message: `No route ${req.method} ${req.url.split('?')[0]}`, fields: [] } }),
    );
  }
  return app;
}
