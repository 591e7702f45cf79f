// Nothing a client sends may produce a 500: every route, as an owner and anonymously, gets
// malformed ids, wrong types, garbage JSON, oversize strings and hostile query strings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../src/platform/testing/test-app.js';

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
  { score: [5, 6], comment: { toString: 'x' }, disabled: 'yes', enabled: 1, days: 1e309, name: '\u0000\ud800' },
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

describe('hostile input', () => {
  it('never answers 500 on any route', async () => {
    const routes = t.app.routeTable.filter((r) => !['HEAD', 'OPTIONS'].includes(r.method) && !r.url.startsWith('/api/docs') && r.url !== '*');
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
      check(`POST form ${f.slice(0, 40)}`, await t.app.inject({ method: 'POST', url: path, remoteAddress: nextAddress(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: f }));
    }
    expect(failures).toEqual([]);
  });
});
