// The client's address behind a reverse proxy (KEEPWELL_TRUST_PROXY): X-Forwarded-For is ignored
// when the setting is off, and honoured when on — for the address in the audit log and for the
// per-address rate limits — but only the entries written by the trusted proxy, never what a
// client wrote there itself. app.inject's requests come from 127.0.0.1, the proxy here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../../app/testing/test-app.js';
import { loadConfig } from '../config.js';
import { buildServer, type App } from './server.js';

let t: TestApp;
let owner: Caller;
let behindProxy: App;
let attempt = 0;

beforeAll(async () => {
  t = await createTestApp();
  owner = await t.signIn('owner');
  const config = loadConfig({ LOG_LEVEL: 'silent', KEEPWELL_TRUST_PROXY: 'on' });
  behindProxy = await buildServer({ ...t.ctx, config }, { serveWeb: false, logger: false });
});
afterAll(async () => {
  await behindProxy.close();
  await t.close();
});

/** A failed sign-in (a new email each time, so per-account limits stay out of the way). */
const failSignIn = (app: App, forwardedFor: string) =>
  app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers: { 'x-forwarded-for': forwardedFor },
    payload: { email: `nobody${++attempt}@example.test`, password: 'wrong password' },
  });

async function auditedAddress(email: string): Promise<string | null> {
  const res = await t.app.inject({ method: 'GET', url: '/api/audit?limit=50', headers: owner.headers });
  const entry = (res.json().entries as { action: string; details: { email?: string } | null; ip: string | null }[]).find((e) => e.action === 'signin.failed' && e.details?.email === email);
  if (!entry) throw new Error(`no audit entry for ${email}: ${res.body.slice(0, 300)}`);
  return entry.ip;
}

describe('client address', () => {
  it('off (the default): X-Forwarded-For is ignored by the audit log and the rate limit', async () => {
    expect(t.ctx.config.trustProxy).toBe(false);
    expect((await failSignIn(t.app, '203.0.113.7')).statusCode).toBe(401);
    expect(await auditedAddress(`nobody${attempt}@example.test`)).toBe('127.0.0.1');
    // 10 tries a minute per address: a new forwarded address does not buy more
    for (let i = 1; i < 10; i++) expect((await failSignIn(t.app, `203.0.113.${i + 10}`)).statusCode).toBe(401);
    expect((await failSignIn(t.app, '198.51.100.1')).statusCode).toBe(429);
  });

  it("on: the proxy's X-Forwarded-For entry is the client's address, for the audit log and the rate limit", async () => {
    expect((await failSignIn(behindProxy, '203.0.113.7')).statusCode).toBe(401);
    expect(await auditedAddress(`nobody${attempt}@example.test`)).toBe('203.0.113.7');
    // a client's own entry (leftmost) is not believed: the proxy appended the real address
    expect((await failSignIn(behindProxy, '192.0.2.66, 203.0.113.8')).statusCode).toBe(401);
    expect(await auditedAddress(`nobody${attempt}@example.test`)).toBe('203.0.113.8');
    for (let i = 2; i < 10; i++) expect((await failSignIn(behindProxy, '203.0.113.7')).statusCode).toBe(401);
    // that was 203.0.113.7's 9th try: the 10th is let through, the 11th refused
    expect((await failSignIn(behindProxy, '203.0.113.7')).statusCode).toBe(401);
    expect((await failSignIn(behindProxy, '203.0.113.7')).statusCode).toBe(429);
    // another client behind the same proxy is not held back by it
    expect((await failSignIn(behindProxy, '198.51.100.2')).statusCode).toBe(401);
  });
});
