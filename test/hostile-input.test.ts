// Nothing a client sends may produce a 500: every route, as an owner and anonymously, gets
// malformed ids, wrong types, garbage JSON, oversize strings and hostile query strings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../src/platform/testing/test-app.js';

let t: TestApp;
let owner: Caller;
beforeAll(async () => {
  t = await createTestApp();
  owner = await t.signIn('owner');
});
afterAll(async () => t?.close());

const paramValues = ['00000000-0000-0000-0000-000000000000', 'not-a-uuid', '%27%20or%201%3D1--', '-1', 'x'.repeat(300)];
const bodies: unknown[] = [
  {},
  [],
  'just a string',
  { id: 1, name: { nested: true }, email: 12, amount: 'lots', date: 'yesterday', limit: -5 },
  { name: '<script>alert(1)</script>', email: 'a@b', tags: 'x', amountMinor: 1e300, since: '2024-13-45' },
  null,
];
const queries = ['?limit=-1', '?limit=abc&cursor=%00', '?q=%27%3B%20drop%20table%20customers%3B--', '?sort=;&order=sideways&from=nope&to=never'];

describe('hostile input', () => {
  it('never answers 500 on any route', async () => {
    const routes = t.app.routeTable.filter((r) => !['HEAD', 'OPTIONS'].includes(r.method) && !r.url.startsWith('/api/docs') && r.url !== '*');
    expect(routes.length).toBeGreaterThan(20);
    const failures: string[] = [];
    let sent = 0;
    for (const r of routes) {
      for (const param of paramValues) {
        const url = r.url.replace(/:[a-zA-Z]+/g, param).replace('*', 'x');
        const attempts = r.method === 'GET' || r.method === 'DELETE' ? queries.map((q) => ({ url: url + q, payload: undefined as unknown })) : bodies.map((b) => ({ url, payload: b }));
        for (const a of attempts) {
          for (const headers of [owner.headers, {}]) {
            const res = await t.app.inject({
              method: r.method as 'GET',
              url: a.url,
              headers: a.payload === undefined ? headers : { ...headers, 'content-type': 'application/json' },
              payload: a.payload === undefined ? undefined : JSON.stringify(a.payload),
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
});
