import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../app/testing/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ withWorkspace: false });
});
afterAll(async () => t?.close());

const setupBody = {
  owner: { name: 'Olivia Owner', email: 'olivia@example.test', password: 'a long enough password' },
  workspace: { name: 'Olive Studio', industry: 'professional_services', timeZone: 'Europe/Amsterdam', currency: 'eur' },
};

describe('first-run setup and sign-in', () => {
  it('reports that setup is needed, then sets up once', async () => {
    const me = await t.app.inject({ method: 'GET', url: '/api/auth/me' });
    expect(me.json()).toMatchObject({ user: null, needsSetup: true });

    const bad = await t.app.inject({ method: 'POST', url: '/api/setup', payload: { ...setupBody, workspace: { ...setupBody.workspace, industry: 'mining' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0].field).toContain('industry');

    const res = await t.app.inject({ method: 'POST', url: '/api/setup', payload: setupBody });
    expect(res.statusCode).toBe(200);
    expect(res.cookies.find((c) => c.name === 'kw_session')?.httpOnly).toBe(true);

    const again = await t.app.inject({ method: 'POST', url: '/api/setup', payload: setupBody });
    expect(again.statusCode).toBe(409);
  });

  it('signs in, reads settings, and refuses a wrong password', async () => {
    const wrong = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'olivia@example.test', password: 'nope' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe('Wrong email or password');

    const ok = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'OLIVIA@example.test', password: 'a long enough password' } });
    expect(ok.statusCode).toBe(200);
    const cookie = ok.cookies.find((c) => c.name === 'kw_session')!;
    const csrf = ok.json().csrfToken as string;
    const ws = await t.app.inject({ method: 'GET', url: '/api/workspace', cookies: { kw_session: cookie.value } });
    expect(ws.json()).toMatchObject({ name: 'Olive Studio', currency: 'EUR', industry: 'professional_services' });

    // A change without the CSRF header is refused; with it, it lands and is audited.
    const noCsrf = await t.app.inject({ method: 'PATCH', url: '/api/workspace', cookies: { kw_session: cookie.value }, payload: { name: 'X' } });
    expect(noCsrf.statusCode).toBe(403);
    const patched = await t.app.inject({ method: 'PATCH', url: '/api/workspace', cookies: { kw_session: cookie.value }, headers: { 'x-csrf-token': csrf }, payload: { name: 'Olive & Co' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().name).toBe('Olive & Co');

    const log = await t.app.inject({ method: 'GET', url: '/api/audit', cookies: { kw_session: cookie.value } });
    const actions = log.json().entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['setup', 'signin', 'signin.failed', 'settings.update']));

    const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout', cookies: { kw_session: cookie.value }, headers: { 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(200);
    const after = await t.app.inject({ method: 'GET', url: '/api/workspace', cookies: { kw_session: cookie.value } });
    expect(after.statusCode).toBe(401);
  });

  it('rate-limits repeated sign-in attempts', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.9.9.9', payload: { email: 'x@example.test', password: 'wrong' } });
      codes.push(r.statusCode);
    }
    expect(codes).toContain(429);
  });
});

describe('access control', () => {
  it('keeps agents out of owner-only settings and anonymous callers out of everything private', async () => {
    const agent = await t.signIn('agent');
    const owner = await t.signIn('owner');
    const ownerOnly = [
      { method: 'PATCH' as const, url: '/api/workspace', payload: { name: 'x' } },
      { method: 'GET' as const, url: '/api/audit' },
      { method: 'GET' as const, url: '/api/users' },
      { method: 'POST' as const, url: '/api/users', payload: { name: 'a', email: 'a@b.test', password: 'xxxxxxxxxxxx', role: 'owner' } },
    ];
    for (const r of ownerOnly) {
      const res = await t.app.inject({ ...r, headers: agent.headers });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
    }
    const asOwner = await t.app.inject({ method: 'GET', url: '/api/users', headers: owner.headers });
    expect(asOwner.statusCode).toBe(200);
  });

  it('states an access rule on every route, and anonymous calls to non-public ones get 401', async () => {
    const routes = t.app.routeTable.filter((r) => !['HEAD', 'OPTIONS'].includes(r.method) && !r.url.startsWith('/api/docs'));
    expect(routes.length).toBeGreaterThan(10);
    for (const r of routes) {
      expect(['public', 'staff', 'owner'], `${r.method} ${r.url} states no access`).toContain(r.access);
      if (r.access === 'public') continue;
      const url = r.url.replace(/:[a-zA-Z]+/g, '00000000-0000-0000-0000-000000000000').replace('*', 'x');
      const res = await t.app.inject({ method: r.method as 'GET', url, payload: r.method === 'GET' ? undefined : {} });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
  });

  it('answers unknown routes, malformed JSON and oversize bodies with clear 4xx', async () => {
    const unknown = await t.app.inject({ method: 'GET', url: '/api/nope' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toContain('/api/nope');
    const malformed = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email":' });
    expect(malformed.statusCode).toBe(400);
    const huge = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(2_000_000) }),
    });
    expect(huge.statusCode).toBe(413);
  });

  it('accepts API tokens for the REST API and rejects bad ones', async () => {
    const owner = await t.signIn('owner');
    const created = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: owner.headers, payload: { name: 'script' } });
    expect(created.statusCode).toBe(201);
    const token = created.json().token as string;
    const ok = await t.app.inject({ method: 'GET', url: '/api/workspace', headers: { authorization: `Bearer ${token}` } });
    expect(ok.statusCode).toBe(200);
    const bad = await t.app.inject({ method: 'GET', url: '/api/workspace', headers: { authorization: 'Bearer kw_forged' } });
    expect(bad.statusCode).toBe(401);
  });
});
