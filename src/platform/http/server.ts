// The HTTP edge: REST API under /api, OpenAPI at /api/openapi.json with docs at /api/docs,
// the built web app, and the public pages. Routes live in their features; this file only
// wires plugins, authentication, access checks and error shapes.
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import querystring from 'node:querystring';
import { ZodError } from 'zod';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../context.js';
import { allowed } from './access.js';
import { HttpError, type FieldError } from './errors.js';
import { checkDiskFull, DISK_FULL_MESSAGE, DISK_FULL_PROBLEM } from '../disk.js';
import { loadFeatures } from '../feature.js';

/** One readable line naming every field at fault with its own reason. */
export function validationMessage(fields: { field: string; message: string }[]): string {
  return `Invalid input: ${fields.map((f) => `${f.field || 'body'} ${f.message}`).join('; ')}`;
}

// ---- Text PostgreSQL can store ----
// Every string a client sends is checked once, here, before any handler sees it: PostgreSQL
// cannot store U+0000, a lone surrogate is not text (drivers would silently store U+FFFD), bytes
// that are not UTF-8 would be silently replaced, and JSON nested without end overflows the stack
// of whoever walks it next. The API answers 400 naming each field; public pages for customers
// (/p/…) clean the text instead (NUL removed, broken characters become U+FFFD) and log a note,
// so a customer's answer is never lost to a stray byte.
export const MAX_JSON_DEPTH = 32;
export const textProblems = {
  nul: 'contains a NUL character, which cannot be stored',
  surrogate: 'contains a lone surrogate (half of a UTF-16 pair), which is not text',
  utf8: 'contains bytes that are not valid UTF-8',
  depth: `is nested more than ${MAX_JSON_DEPTH} levels deep`,
};
// In unicode mode a surrogate class matches only unpaired halves.
const loneSurrogate = /[\uD800-\uDFFF]/u;
const loneSurrogates = /[\uD800-\uDFFF]/gu;
/** Marks where a body held invalid UTF-8 (a lone surrogate can never come out of decoding UTF-8). */
const INVALID_MARK = '\uDFFF';

function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return textProblems.nul;
  if (loneSurrogate.test(s)) return textProblems.surrogate;
  return null;
}
const cleanText = (s: string) => s.replace(/\u0000/g, '').replace(loneSurrogates, '\uFFFD');
const joinPath = (base: string, key: string) => (base ? `${base}.${key}` : key);

/**
 * Walks a parsed input (query, params or body): reports strings and keys holding NUL or lone
 * surrogates and containers nested too deep; with `clean`, returns the value cleaned instead.
 */
function inspectInput(value: unknown, field: string, problems: FieldError[], clean: boolean, depth = 0): unknown {
  if (problems.length >= 20) return value;
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (!problem) return value;
    problems.push({ field, message: problem });
    return clean ? cleanText(value) : value;
  }
  if (value === null || typeof value !== 'object' || value instanceof Date || Buffer.isBuffer(value)) return value;
  if (depth >= MAX_JSON_DEPTH) {
    problems.push({ field, message: textProblems.depth });
    return value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const inner = inspectInput(value[i], joinPath(field, String(i)), problems, clean, depth + 1);
      if (inner !== value[i]) value[i] = inner;
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const keyProblem = textProblem(key);
    const name = joinPath(field, cleanText(key));
    if (keyProblem) problems.push({ field: name, message: `has a name that ${keyProblem}` });
    const inner = inspectInput(record[key], name, problems, clean, depth + 1);
    if (keyProblem && clean) {
      delete record[key];
      record[cleanText(key)] = inner;
    } else if (inner !== record[key]) record[key] = inner;
  }
  return value;
}

/** Decodes UTF-8, putting INVALID_MARK where bytes are not UTF-8 (WHATWG's maximal subparts). */
function decodeMarkingInvalid(bytes: Buffer): string {
  let out = '';
  let start = 0;
  let i = 0;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => k < bytes.length && bytes[k] >= lo && bytes[k] <= hi;
  while (i < bytes.length) {
    const b = bytes[i];
    let need = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    }
    let ok = need > 0 && cont(i + 1, lo, hi);
    let len = ok ? 2 : 1;
    for (let k = 2; ok && k <= need; k++) {
      ok = cont(i + k);
      if (ok) len++;
    }
    if (ok) {
      i += need + 1;
      continue;
    }
    out += bytes.toString('utf8', start, i) + INVALID_MARK;
    i += need > 0 ? Math.max(1, len - 1) : 1;
    start = i;
  }
  return out + bytes.toString('utf8', start);
}

function findMarked(value: unknown, field: string, found: FieldError[], depth = 0): void {
  if (found.length >= 20 || depth > MAX_JSON_DEPTH) return;
  if (typeof value === 'string') {
    if (value.includes(INVALID_MARK)) found.push({ field, message: textProblems.utf8 });
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes(INVALID_MARK)) found.push({ field: joinPath(field, k.replaceAll(INVALID_MARK, '\uFFFD')), message: `has a name that ${textProblems.utf8}` });
      findMarked(v, joinPath(field, k.replaceAll(INVALID_MARK, '\uFFFD')), found, depth + 1);
    }
  }
}

const inputError = (fields: FieldError[]) => new HttpError(400, 'validation', validationMessage(fields), fields);

/** A JSON body that is not UTF-8: the 400 naming where (or null when the bytes are UTF-8). */
export function jsonUtf8Error(body: Buffer): HttpError | null {
  if (isUtf8(body)) return null;
  const found: FieldError[] = [];
  try {
    findMarked(JSON.parse(decodeMarkingInvalid(body)), 'body', found);
  } catch {
    /* not JSON either: name the body */
  }
  return inputError(found.length ? found : [{ field: 'body', message: textProblems.utf8 }]);
}

/** Percent-decodes one query/form component to its bytes ('+' is a space). */
function componentBytes(raw: string): Buffer {
  const s = raw.replace(/\+/g, ' ');
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) bytes.push(c);
    else {
      const cp = s.codePointAt(i)!;
      if (cp > 0xffff) i++;
      bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** Fields of a query string or form body whose percent-encoded bytes are not UTF-8. */
function urlEncodedUtf8Problems(encoded: string, prefix: string): FieldError[] {
  const found: FieldError[] = [];
  if (!encoded.includes('%')) return found;
  for (const pair of encoded.split('&')) {
    if (found.length >= 20) break;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const keyBytes = componentBytes(rawKey);
    const key = cleanText(keyBytes.toString('utf8'));
    if (!isUtf8(keyBytes)) found.push({ field: joinPath(prefix, key), message: `has a name that ${textProblems.utf8}` });
    else if (eq >= 0 && !isUtf8(componentBytes(pair.slice(eq + 1)))) found.push({ field: joinPath(prefix, key), message: textProblems.utf8 });
  }
  return found;
}

/** Where a form body was not UTF-8, kept beside the parsed body for the check before the handler. */
const formUtf8Problems = new WeakMap<object, FieldError[]>();

/** The first container nested deeper than MAX_JSON_DEPTH, as a field path (or null). */
function tooDeepAt(value: unknown, field: string, depth = 0): string | null {
  if (value === null || typeof value !== 'object') return null;
  if (depth >= MAX_JSON_DEPTH) return field;
  for (const [k, v] of Object.entries(value)) {
    const at = tooDeepAt(v, joinPath(field, k), depth + 1);
    if (at) return at;
  }
  return null;
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

/** The web app's build, dist/web under the project root: three folders up from
 * src/platform/http, four from the compiled dist/server/platform/http. */
const webDist = ((here) => {
  const compiled = path.basename(path.resolve(here, '../..')) === 'server' && path.basename(path.resolve(here, '../../..')) === 'dist';
  return path.resolve(here, compiled ? '../../../..' : '../../..', 'dist/web');
})(path.dirname(fileURLToPath(import.meta.url)));
const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/**
 * The web app's policy: its scripts and styles come only from /assets (the Vite build has no
 * inline script); inline style attributes (React, charts, the sandboxed email previews, which
 * inherit this policy) and images in emails (https, data:) are allowed; nothing may frame it.
 */
export const webAppCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: https:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface ServerOptions {
  /** serve the built web app from dist/web when it exists (default true) */
  serveWeb?: boolean;
  logger?: boolean;
}

export async function buildServer(ctx: AppContext, options: ServerOptions = {}): Promise<App> {
  const features = await loadFeatures();
  const app = Fastify({
    loggerInstance: options.logger === false ? undefined : ctx.log,
    bodyLimit: 1024 * 1024,
    // the client's address (req.ip: rate limits, audit log) from X-Forwarded-For only when configured
    trustProxy: ctx.config.trustProxy,
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
  // Bodies are read as bytes so that text which is not UTF-8 is reported, never silently replaced.
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const bad = jsonUtf8Error(body as Buffer);
    if (bad) return done(bad, undefined);
    defaultJson(req, (body as Buffer).toString('utf8'), (err, value) => {
      if (err) return done(err, undefined);
      const deep = tooDeepAt(value, 'body');
      if (deep) return done(inputError([{ field: deep, message: textProblems.depth }]), undefined);
      done(null, value);
    });
  });
  // Form posts (the public pages' plain HTML forms), parsed like @fastify/formbody would.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (req, body, done) => {
    const raw = body as Buffer;
    const text = raw.toString('utf8');
    const parsed = querystring.parse(text) as Record<string, unknown>;
    const problems = isUtf8(raw) ? urlEncodedUtf8Problems(text, 'body') : [{ field: 'body', message: textProblems.utf8 }];
    if (problems.length) formUtf8Problems.set(req, problems);
    done(null, parsed);
  });
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Keepwell API',
        version: '1',
        description: 'Customer-retention workspace. Authenticate with a session cookie (web app) or `Authorization: Bearer kw_…` (API token from Settings).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  // Who is calling: the first feature that recognises the caller (accounts: API token, session).
  const authenticators = features.flatMap((f) => (f.authenticate ? [f.authenticate] : []));
  app.addHook('onRequest', async (req, reply) => {
    for (const authenticate of authenticators) {
      const user = await authenticate(req, ctx);
      if (user) {
        req.user = user;
        break;
      }
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

  // Text PostgreSQL cannot store, broken characters and runaway nesting, once for every route
  // (after authentication, signature checks and schema validation, before any handler).
  app.addHook('preHandler', async (req) => {
    const publicPage = req.routeOptions.url?.startsWith('/p/') ?? false;
    const problems: FieldError[] = [];
    const queryAt = req.url.indexOf('?');
    if (queryAt >= 0) problems.push(...urlEncodedUtf8Problems(req.url.slice(queryAt + 1), 'querystring'));
    problems.push(...(formUtf8Problems.get(req) ?? []));
    const params = inspectInput(req.params, 'params', problems, publicPage);
    const query = inspectInput(req.query, 'querystring', problems, publicPage);
    const body = inspectInput(req.body, 'body', problems, publicPage);
    const tooDeep = problems.filter((p) => p.message === textProblems.depth);
    if (publicPage && problems.length && !tooDeep.length) {
      // A customer's answer is kept: NUL removed, broken characters shown as U+FFFD, and a note.
      if (params !== req.params) req.params = params as typeof req.params;
      if (query !== req.query) req.query = query as typeof req.query;
      if (body !== req.body) req.body = body;
      req.log.warn({ fields: problems }, 'cleaned characters a public page could not store');
      return;
    }
    if (problems.length) throw inputError(problems);
  });

  // No page of Keepwell may be framed (clickjacking). Pages that state their own policy keep it
  // (the public /p/ pages, the web app's index below); everything else gets frame-ancestors.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', 'DENY');
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', "frame-ancestors 'none'");
    if (!reply.hasHeader('x-content-type-options')) reply.header('x-content-type-options', 'nosniff');
    return payload;
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
    if (checkDiskFull(error)) {
      // PostgreSQL/PGlite refused the write and rolled it back: say why, plainly, with 507.
      req.log.error({ err: error }, DISK_FULL_PROBLEM);
      return reply.code(507).send({ error: { code: 'disk_full', message: DISK_FULL_MESSAGE, fields: [] } });
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      // Fastify's own client errors: malformed JSON, body too large, rate limited, bad content type.
      return reply.code(status).send({ error: { code: error.code ?? 'bad_request', message: error.message, fields: [] } });
    }
    req.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'internal', message: 'Something went wrong on our side', fields: [] } });
  });

  for (const f of features) if (f.routes) await f.routes(app, ctx);
  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  const haveWeb = options.serveWeb !== false && fs.existsSync(path.join(webDist, 'index.html'));
  if (haveWeb) {
    await app.register(fastifyStatic, { root: path.join(webDist, 'assets'), prefix: '/assets/', index: false });
    const indexHtml = fs.readFileSync(path.join(webDist, 'index.html'), 'utf8');
    const sendIndex = (reply: FastifyReply) => reply.type('text/html').header('content-security-policy', webAppCsp).header('referrer-policy', 'same-origin').send(indexHtml);
    app.get('/', { config: { access: 'public' }, schema: { hide: true } }, (_req, reply) => sendIndex(reply));
    app.setNotFoundHandler((req, reply) => {
      if (req.method === 'GET' && !req.url.startsWith('/api/') && !req.url.startsWith('/p/')) {
        return sendIndex(reply); // client-side routes
      }
      return reply.code(404).send({ error: { code: 'not_found', message: `No route ${req.method} ${req.url.split('?')[0]}`, fields: [] } });
    });
  } else {
    app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: { code: 'not_found', message: `No route ${req.method} ${req.url.split('?')[0]}`, fields: [] } }));
  }
  return app;
}
