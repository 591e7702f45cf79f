// Nothing a client sends may produce a 500: every route, as an owner and anonymously, gets
// malformed ids, wrong types, garbage JSON, oversize strings and hostile query strings; text
// PostgreSQL cannot store (NUL), lone surrogates and bytes that are not UTF-8 in every query key
// and text field; JSON nested without end; forged signatures; frames.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, webAppCsp } from '../src/platform/http/server.js';
import { createTestApp, type Caller, type TestApp } from '../src/app/testing/test-app.js';

let t: TestApp;
let owner: Caller;
let agent: Caller;
beforeAll(async () => {
  t = await createTestApp();
  owner = await t.signIn('owner');
  agent = await t.signIn('agent');
});
afterAll(async () => t?.close());

let ip = 0;
/** each request its own client address, so per-address rate limits do not hide a handler behind 429s */
const nextAddress = () => `10.${(++ip >> 16) & 255}.${(ip >> 8) & 255}.${ip & 255}`;

const paramValues = ['00000000-0000-0000-0000-000000000000', 'not-a-uuid', '%27%20or%201%3D1--', '-1', 'x'.repeat(300)];
const bodies: unknown[] = [
  {},
  [],
  'just a string',
  { id: 1, name: { nested: true }, email: 12, amount: 'lots', date: 'yesterday', limit: -5 },
  { name: '<script>alert(1)</script>', email: 'a@b', tags: 'x', amountMinor: 1e300, since: '2024-13-45' },
  null,
  JSON.parse('{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}, "role": "owner"}'),
  {
    score: [5, 6],
    comment: { toString: 'x' },
    disabled: 'yes',
    enabled: 1,
    // biome-ignore lint/correctness/noPrecisionLoss: deliberately past the largest double (Infinity)
    days: 1e309,
    name: '\u0000\ud800',
  },
];
const queries = [
  '?limit=-1',
  '?limit=abc&cursor=%00',
  '?q=%27%3B%20drop%20table%20customers%3B--',
  '?sort=;&order=sideways&from=nope&to=never',
  // repeated keys arrive as arrays, bracket keys as odd names
  '?limit=1&limit=2&q=a&q=b&score=5&score=6&kind=nps&kind=csat&cursor=x&cursor=y',
  '?__proto__[admin]=1&constructor[prototype][x]=1&score[]=5&limit[$gt]=1',
  `?q=${'%F0%9F%92%A9'.repeat(500)}&score=${'9'.repeat(400)}&from=9999-99-99&to=0000-00-00`,
];
// Form posts (the public survey and unsubscribe pages are plain HTML forms).
const forms = ['score=5&score=6&comment=a&comment=b', '__proto__[x]=1&score[]=5&comment[a]=b', `comment=${'%3Cscript%3E'.repeat(2000)}&score=%00`, '%%%=&&=='];

// Thousands of requests per sweep: minutes on a busy 2-core machine, so a generous limit (not a speed claim).
describe('hostile input', { timeout: 600_000 }, () => {
  it('never answers 500 on any route', async () => {
    // Signing out would turn the rest of the sweep into anonymous calls: it is swept last.
    const routes = t.app.routeTable
      .filter((r) => !['HEAD', 'OPTIONS'].includes(r.method) && !r.url.startsWith('/api/docs') && r.url !== '*')
      .sort((a, b) => Number(a.url === '/api/auth/logout') - Number(b.url === '/api/auth/logout'));
    expect(routes.length).toBeGreaterThan(20);
    const failures: string[] = [];
    let sent = 0;
    for (const r of routes) {
      for (const param of paramValues) {
        const url = r.url.replace(/:[a-zA-Z]+/g, param).replace('*', 'x');
        const attempts =
          r.method === 'GET' || r.method === 'DELETE'
            ? queries.map((q) => ({ url: url + q, payload: undefined as unknown, form: false }))
            : [...bodies.map((b) => ({ url, payload: b, form: false })), ...forms.map((f) => ({ url, payload: f as unknown, form: true }))];
        for (const a of attempts) {
          for (const headers of [owner.headers, agent.headers, {}]) {
            const contentType = a.form ? 'application/x-www-form-urlencoded' : 'application/json';
            const res = await t.app.inject({
              method: r.method as 'GET',
              url: a.url,
              remoteAddress: nextAddress(),
              headers: a.payload === undefined ? headers : { ...headers, 'content-type': contentType },
              payload: a.payload === undefined ? undefined : a.form ? (a.payload as string) : JSON.stringify(a.payload),
            });
            sent++;
            if (res.statusCode >= 500) failures.push(`${r.method} ${a.url.slice(0, 120)} ${JSON.stringify(a.payload)?.slice(0, 80)} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
          }
        }
        if (!r.url.includes(':')) break; // one pass is enough for routes without params
      }
    }
    expect(sent).toBeGreaterThan(routes.length * 4);
    expect(failures).toEqual([]);
    console.log(`hostile input: ${sent} requests over ${routes.length} routes, no 500`);
  });

  it('answers a public survey page with a valid link: hostile scores and comments get an HTML page, never a 500 or live script', async () => {
    owner = await t.signIn('owner'); // the route sweep above signed the old session out
    const c = await t.app.inject({ method: 'POST', url: '/api/customers', headers: owner.headers, payload: { name: '<img src=x onerror=alert(1)> Eve', email: 'eve@example.test' } });
    expect(c.statusCode).toBe(201);
    const customerId = (c.json() as { customer?: { id: string }; id?: string }).customer?.id ?? (c.json() as { id: string }).id;
    const sent = await t.app.inject({ method: 'POST', url: '/api/surveys/send', headers: owner.headers, payload: { customerId, kind: 'ces' } });
    expect(sent.statusCode).toBe(200);
    const requestId = (sent.json() as { requestId: string }).requestId;
    const link = await t.app.inject({ method: 'GET', url: `/api/surveys/requests/${requestId}/link`, headers: owner.headers });
    const path = (link.json() as { link: string }).link.replace(/^https?:\/\/[^/]+/, '');
    const failures: string[] = [];
    const check = (what: string, res: { statusCode: number; headers: Record<string, unknown>; body: string }) => {
      if (res.statusCode >= 500) failures.push(`${what} -> ${res.statusCode}`);
      if (!String(res.headers['content-type']).startsWith('text/html')) failures.push(`${what} -> ${res.statusCode} ${String(res.headers['content-type'])} (a customer's page must stay HTML)`);
      if (/<script|<img src=x/i.test(res.body)) failures.push(`${what} -> unescaped markup in the page`);
    };
    for (const q of ['', '?score=<script>alert(1)</script>', '?score=5&score=6', `?score=${'9'.repeat(400)}`, '?score[]=5', '?score[$gt]=1', '?score=%00', '?score=10']) {
      check(`GET ${q}`, await t.app.inject({ method: 'GET', url: path + q, remoteAddress: nextAddress() }));
    }
    for (const f of [...forms, 'score=3&comment=%3Cscript%3Ealert(1)%3C%2Fscript%3E', `score=3&comment=${'x'.repeat(100_000)}`]) {
      check(
        `POST form ${f.slice(0, 40)}`,
        await t.app.inject({ method: 'POST', url: path, remoteAddress: nextAddress(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: f }),
      );
    }
    expect(failures).toEqual([]);
  });

  // ---- text that cannot be stored or is not text ----
  /** query keys any list or report might read */
  const queryKeys = [
    'search',
    'q',
    'tag',
    'status',
    'sort',
    'order',
    'cursor',
    'kind',
    'segment',
    'from',
    'to',
    'customerId',
    'type',
    'preset',
    'mapping',
    'driver',
    'channel',
    'state',
    'role',
    'before',
    'score',
    'limit',
    'currency',
    'email',
  ];
  /** NUL, a UTF-8-encoded surrogate, a byte that is never UTF-8, a cut-off sequence */
  const badQueryValues = ['%00', 'a%00b', '%ED%A0%80', '%FF', 'caf%C3'];
  /** text field names a JSON body might carry */
  const textFields = [
    'name',
    'title',
    'summary',
    'details',
    'comment',
    'note',
    'email',
    'phone',
    'address',
    'city',
    'postalCode',
    'country',
    'externalId',
    'subject',
    'body',
    'html',
    'text',
    'reason',
    'plan',
    'description',
    'label',
    'key',
    'message',
    'cartId',
    'paymentId',
    'occurrenceKey',
    'url',
    'cartUrl',
    'updateCardUrl',
    'reviewUrl',
    'referralUrl',
    'fromName',
    'fromAddress',
    'replyTo',
    'password',
    'currency',
    'industry',
    'timeZone',
    'channel',
    'direction',
    'kind',
    'type',
    'template',
  ];
  const textBody = (value: string) => ({
    ...Object.fromEntries(textFields.map((f) => [f, value])),
    tags: [value],
    customer: { id: value, email: value, name: value },
    steps: [{ type: 'email', subject: value, body: value }],
    data: { note: value, [value]: 1 },
  });
  /** the same body as raw bytes with 0xFF (never UTF-8) inside every text value */
  const invalidUtf8Body = () => {
    const marker = 'XXINVALIDXX';
    const parts = JSON.stringify(textBody(`a${marker}b`)).split(marker);
    return Buffer.concat(parts.flatMap((p, i) => (i ? [Buffer.from([0xff]), Buffer.from(p)] : [Buffer.from(p)])));
  };

  it('never answers 500 for NUL, lone surrogates or invalid UTF-8 in any query key or JSON text field of any route', async () => {
    owner = await t.signIn('owner');
    const c = await t.app.inject({ method: 'POST', url: '/api/customers', headers: owner.headers, payload: { name: 'Real Rita', email: 'rita@example.test' } });
    const realId = (c.json() as { id: string }).id;
    const routes = t.app.routeTable.filter((r) => !['HEAD', 'OPTIONS'].includes(r.method) && !r.url.startsWith('/api/docs') && r.url !== '*' && r.url !== '/api/auth/logout');
    const failures: string[] = [];
    let sent = 0;
    for (const r of routes) {
      const url = r.url
        .replace(/:id\b/g, realId)
        .replace(/:[a-zA-Z]+/g, 'x')
        .replace('*', 'x');
      const attempts: { url: string; payload?: string | Buffer }[] = [];
      if (r.method === 'GET' || r.method === 'DELETE') {
        for (const v of badQueryValues) attempts.push({ url: `${url}?${queryKeys.map((k) => `${k}=${v}`).join('&')}` });
        for (const k of ['search', 'tag', 'q', 'cursor']) attempts.push({ url: `${url}?${k}=%00` });
      } else {
        attempts.push({ url, payload: JSON.stringify(textBody('a\u0000b')) }, { url, payload: JSON.stringify(textBody('lone \ud800 half')) }, { url, payload: invalidUtf8Body() });
        attempts.push({ url: `${url}?${queryKeys.map((k) => `${k}=%00`).join('&')}`, payload: JSON.stringify(textBody('fine')) });
      }
      for (const a of attempts) {
        const res = await t.app.inject({
          method: r.method as 'GET',
          url: a.url,
          remoteAddress: nextAddress(),
          headers: a.payload === undefined ? owner.headers : { ...owner.headers, 'content-type': 'application/json' },
          payload: a.payload,
        });
        sent++;
        if (res.statusCode >= 500) failures.push(`${r.method} ${a.url.slice(0, 100)} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
    }
    expect(sent).toBeGreaterThan(routes.length * 3);
    expect(failures).toEqual([]);
  });

  it('answers 400 naming the field for a NUL, a lone surrogate or invalid UTF-8 in known text fields; real text (U+FFFD typed, emoji) is kept', async () => {
    owner = await t.signIn('owner');
    const send = (method: 'GET' | 'POST', url: string, payload?: string | Buffer) =>
      t.app.inject({ method, url, headers: payload === undefined ? owner.headers : { ...owner.headers, 'content-type': 'application/json' }, payload });
    const fieldsOf = (res: { statusCode: number; body: string }) => {
      expect(res.statusCode, res.body).toBe(400);
      const error = JSON.parse(res.body).error as { code: string; message: string; fields: { field: string; message: string }[] };
      expect(error.code).toBe('validation');
      return error;
    };
    const c = await send('POST', '/api/customers', JSON.stringify({ name: 'Nora Null' }));
    const customerId = (c.json() as { id: string }).id;
    const cases: [string, 'GET' | 'POST', string, string | Buffer | undefined, string, RegExp][] = [
      ['customer name with NUL', 'POST', '/api/customers', JSON.stringify({ name: 'Bad\u0000Name' }), 'body.name', /NUL/],
      ['customer city with NUL', 'POST', '/api/customers', JSON.stringify({ name: 'Ok', city: 'Ams\u0000terdam' }), 'body.city', /NUL/],
      ['customer tag with NUL', 'POST', '/api/customers', JSON.stringify({ name: 'Ok', tags: ['vip', 'x\u0000'] }), 'body.tags.1', /NUL/],
      ['customer name with a lone surrogate', 'POST', '/api/customers', JSON.stringify({ name: 'half \ud83d pair' }), 'body.name', /surrogate/],
      ['customer name not UTF-8', 'POST', '/api/customers', Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]), 'body.name', /UTF-8/],
      ['task title with NUL', 'POST', '/api/tasks', JSON.stringify({ title: 'Call\u0000back' }), 'body.title', /NUL/],
      ['token name with NUL', 'POST', '/api/tokens', JSON.stringify({ name: 'ci\u0000' }), 'body.name', /NUL/],
      ['note with NUL', 'POST', `/api/customers/${customerId}/touchpoints`, JSON.stringify({ channel: 'note', summary: 'said \u0000 hi' }), 'body.summary', /NUL/],
      ['search with NUL', 'GET', '/api/customers?search=%00', undefined, 'querystring.search', /NUL/],
      ['tag filter with NUL', 'GET', '/api/customers?tag=%00', undefined, 'querystring.tag', /NUL/],
      ['search not UTF-8', 'GET', '/api/customers?search=caf%E9', undefined, 'querystring.search', /UTF-8/],
      ['search holding an encoded surrogate', 'GET', '/api/customers?search=%ED%A0%80', undefined, 'querystring.search', /UTF-8/],
    ];
    for (const [what, method, url, payload, field, message] of cases) {
      const error = fieldsOf(await send(method, url, payload));
      expect(error.fields, what).toContainEqual({ field, message: expect.stringMatching(message) });
      expect(error.message, what).toContain(field);
    }
    // Nothing was stored by the refused requests; real text goes through untouched.
    const kept = await send('POST', '/api/customers', JSON.stringify({ name: 'Typed \uFFFD and \u{1F600}', city: 'Zürich' }));
    expect(kept.statusCode).toBe(201);
    expect(kept.json()).toMatchObject({ name: 'Typed \uFFFD and \u{1F600}', city: 'Zürich' });
    expect((await send('GET', `/api/customers?search=${encodeURIComponent('Typed \uFFFD')}`)).json().customers).toHaveLength(1);
  });

  it('refuses JSON nested deeper than 32 levels with a 400 naming where; 30 levels are fine', async () => {
    owner = await t.signIn('owner');
    const c = await t.app.inject({ method: 'POST', url: '/api/customers', headers: owner.headers, payload: { name: 'Deep Dora' } });
    const customerId = (c.json() as { id: string }).id;
    const nested = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    const post = (data: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/events',
        headers: { ...owner.headers, 'content-type': 'application/json' },
        payload: `{"type":"order.created","customerId":"${customerId}","occurrenceKey":"deep-${Math.random()}","data":${data}}`,
      });
    const deep = await post(nested(5000));
    expect(deep.statusCode).toBe(400);
    const error = deep.json().error;
    expect(error.fields[0].field).toMatch(/^body\.data(\.a)+$/);
    expect(error.fields[0].message).toMatch(/nested more than 32 levels/);
    expect(deep.body.length).toBeLessThan(2000);
    expect((await post(nested(30))).statusCode).toBe(202);
  });

  it('cleans a public survey comment holding NUL or broken characters and keeps the answer, with an HTML page', async () => {
    owner = await t.signIn('owner');
    const c = await t.app.inject({ method: 'POST', url: '/api/customers', headers: owner.headers, payload: { name: 'Null Nick', email: 'nick@example.test' } });
    const customerId = (c.json() as { id: string }).id;
    const sent = await t.app.inject({ method: 'POST', url: '/api/surveys/send', headers: owner.headers, payload: { customerId, kind: 'ces' } });
    expect(sent.statusCode, sent.body).toBe(200);
    const requestId = (sent.json() as { requestId: string }).requestId;
    const link = await t.app.inject({ method: 'GET', url: `/api/surveys/requests/${requestId}/link`, headers: owner.headers });
    const page = (link.json() as { link: string }).link.replace(/^https?:\/\/[^/]+/, '');
    const res = await t.app.inject({
      method: 'POST',
      url: page,
      remoteAddress: nextAddress(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'score=6&comment=Great%00 service caf%E9',
    });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^text\/html/);
    const stored = await t.ctx.db.selectFrom('survey_responses').select(['score', 'comment']).where('request_id', '=', requestId).executeTakeFirstOrThrow();
    expect(stored).toEqual({ score: 6, comment: 'Great service caf\uFFFD' });
  });

  it('the web app cannot be framed and runs its scripts only from /assets; public pages keep their own policy', async () => {
    const webDist = path.resolve(import.meta.dirname, '../dist/web');
    expect(fs.existsSync(path.join(webDist, 'index.html')), 'npm run build (pretest builds the web app)').toBe(true);
    const index = fs.readFileSync(path.join(webDist, 'index.html'), 'utf8');
    // The built app needs no inline script: every script is a file under /assets.
    expect(index).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
    for (const [, src] of index.matchAll(/(?:src|href)="([^"]+)"/g)) expect(src).toMatch(/^\/assets\//);
    const web = await buildServer(t.ctx, { serveWeb: true, logger: false });
    try {
      for (const url of ['/', '/customers/123', '/settings']) {
        const res = await web.inject({ method: 'GET', url });
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-security-policy']).toBe(webAppCsp);
        expect(res.headers['x-frame-options']).toBe('DENY');
      }
      expect(webAppCsp).toMatch(/frame-ancestors 'none'/);
      expect(webAppCsp).toMatch(/script-src 'self'(;|$)/);
      const asset = index.match(/src="(\/assets\/[^"]+\.js)"/)![1];
      expect((await web.inject({ method: 'GET', url: asset })).statusCode).toBe(200);
      const api = await web.inject({ method: 'GET', url: '/api/health' });
      expect(api.headers['x-frame-options']).toBe('DENY');
      const publicPage = await web.inject({ method: 'GET', url: '/p/s/not-a-token' });
      expect(String(publicPage.headers['content-security-policy'])).toMatch(/default-src 'none'/);
    } finally {
      await web.close();
    }
  });
});
