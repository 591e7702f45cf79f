// Issue 10 items 6, 9 and 10 (API tokens): setup happens once; sign-in guessing is slowed per
// account and per address, counted in the database (so every server process sees the same
// counts); owners are told of a burst; passwords are hashed at OWASP's scrypt cost and old hashes
// are upgraded on sign-in; API tokens record their last use at most once a minute.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type App } from '../platform/http/server.js';
import { createTestApp, type TestApp } from '../app/testing/test-app.js';
import { createUser } from './accounts.service.js';
import { currentCost, hashPassword, PRODUCTION_COST, useCostInTests, verifyPassword } from './passwords.js';
import { signInLimits } from './sign-in-guard.js';

let clock = new Date('2026-12-01T09:00:00Z');
const tick = (ms: number) => (clock = new Date(clock.getTime() + ms));

const PASSWORD = 'correct horse battery';

describe('first-run setup', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ withWorkspace: false });
  });
  afterAll(async () => t?.close());

  it('happens once when four setups race: one succeeds, three get 409, one owner', async () => {
    const body = (i: number) => ({
      owner: { name: `Owner ${i}`, email: `racer${i}@example.test`, password: 'a long enough password' },
      workspace: { name: `Shop ${i}`, industry: 'professional_services', timeZone: 'Europe/Amsterdam', currency: 'EUR' },
    });
    const answers = await Promise.all([0, 1, 2, 3].map((i) => t.app.inject({ method: 'POST', url: '/api/setup', remoteAddress: `10.1.0.${i}`, payload: body(i) })));
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes).toEqual([200, 409, 409, 409]);
    for (const a of answers.filter((x) => x.statusCode === 409)) expect(a.json().error.code).toBe('already_set_up');
    const owners = await t.ctx.db.selectFrom('users').select(['email', 'role']).execute();
    expect(owners).toHaveLength(1);
    const winner = answers.find((a) => a.statusCode === 200)!.json().user.email;
    expect(owners[0]).toEqual({ email: winner, role: 'owner' });
    const workspace = await t.ctx.db.selectFrom('workspace').select('name').execute();
    expect(workspace).toHaveLength(1);
  });
});

describe('sign-in guessing', () => {
  let t: TestApp;
  let other: App; // a second server process on the same database
  let ownerId: string;
  beforeAll(async () => {
    t = await createTestApp({ now: () => clock });
    other = await buildServer(t.ctx, { serveWeb: false, logger: false });
    await other.ready();
    ownerId = (await t.signIn('owner', 'boss@example.test')).userId;
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  let address = 0;
  /** Each try from a fresh address unless told, alternating between the two servers. */
  const login = (email: string, password: string, ip = `10.2.${Math.floor(++address / 250)}.${address % 250}`) =>
    (address % 2 ? t.app : other).inject({ method: 'POST', url: '/api/auth/login', remoteAddress: ip, payload: { email, password } });

  it('backs off per account across servers and addresses, the same for an unknown account, and a success resets it', async () => {
    await createUser(t.ctx.db, { email: 'ann@example.test', name: 'Ann', role: 'agent', password: PASSWORD });
    for (const email of ['ann@example.test', 'nobody-here@example.test']) {
      for (let i = 0; i < signInLimits.freeFailures; i++) expect((await login(email, 'wrong guess')).statusCode).toBe(401);
      const refused = await login(email, email === 'ann@example.test' ? PASSWORD : 'wrong guess');
      expect(refused.statusCode).toBe(429); // even the right password waits its turn
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.json().error.code).toBe('too_many_attempts');
      expect(refused.json().error.message).toMatch(/^Too many failed sign-ins\. Try again in 1 second \(after .* UTC\)\.$/);
    }
    // The wait doubles with each further failure.
    tick(1000);
    expect((await login('ann@example.test', 'wrong again')).statusCode).toBe(401);
    const second = await login('ann@example.test', PASSWORD);
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('2');
    tick(2000);
    expect((await login('ANN@example.test', PASSWORD)).statusCode).toBe(200);
    // The success forgot Ann's failures: five free tries again.
    for (let i = 0; i < signInLimits.freeFailures; i++) expect((await login('ann@example.test', 'wrong guess')).statusCode).toBe(401);
    expect((await login('ann@example.test', 'wrong guess')).statusCode).toBe(429);
    tick(signInLimits.accountWindowMs); // failures are forgotten after a day
  });

  it('never makes an account wait more than 15 minutes', async () => {
    const waits: number[] = [];
    let failures = 0;
    while (failures < 20) {
      const r = await login('capped@example.test', 'wrong guess');
      if (r.statusCode === 401) failures++;
      else {
        waits.push(Number(r.headers['retry-after']));
        tick(waits.at(-1)! * 1000);
      }
    }
    expect(waits.slice(0, 5)).toEqual([1, 2, 4, 8, 16]);
    expect(Math.max(...waits)).toBe(signInLimits.maxDelayMs / 1000);
    expect(waits.at(-1)).toBe(signInLimits.maxDelayMs / 1000);
    tick(signInLimits.accountWindowMs);
  });

  it('limits failures per address across accounts and servers', async () => {
    const ip = '10.3.3.3';
    // Four servers, each with its own in-memory limit of 10 a minute: the database count still holds.
    const servers = [t.app, other, await buildServer(t.ctx, { serveWeb: false, logger: false }), await buildServer(t.ctx, { serveWeb: false, logger: false })];
    const codes: number[] = [];
    for (let i = 0; i < signInLimits.addressFailures + 1; i++) {
      const r = await servers[i % 4].inject({ method: 'POST', url: '/api/auth/login', remoteAddress: ip, payload: { email: `spray${i}@example.test`, password: 'Summer2026!' } });
      codes.push(r.statusCode);
      if (r.statusCode === 429) {
        expect(r.json().error.code).toBe('too_many_attempts');
        expect(Number(r.headers['retry-after'])).toBe(signInLimits.addressWindowMs / 1000);
      }
    }
    expect(codes.filter((c) => c === 401)).toHaveLength(signInLimits.addressFailures);
    expect(codes.at(-1)).toBe(429);
    await Promise.all(servers.slice(2).map((s) => s.close()));
    // Another address is not held back.
    expect((await login('boss@example.test', 'wrong guess', '10.3.3.4')).statusCode).toBe(401);
    tick(signInLimits.accountWindowMs);
  });

  it('tells the owners of a burst: a task on their Today list, an email and an audit entry', async () => {
    const email = 'boss@example.test';
    // Start from no earlier alerts (the tests above made bursts of their own).
    await t.ctx.db.deleteFrom('sign_in_failures').execute();
    await t.ctx.db.deleteFrom('tasks').where('source', '=', 'security:signin').execute();
    await t.ctx.db.deleteFrom('audit_log').where('action', '=', 'signin.burst').execute();
    tick(3600_000);
    const since = clock;
    let failures = 0;
    while (failures < signInLimits.accountBurst + 2) {
      const r = await login(email, `guess ${failures}`);
      if (r.statusCode === 401) failures++;
      else tick(Number(r.headers['retry-after']) * 1000);
    }
    const tasks = await t.ctx.db.selectFrom('tasks').select(['title', 'details', 'assignee_role', 'source']).where('source', '=', 'security:signin').execute();
    expect(tasks).toHaveLength(1); // one alert per burst, not one per guess
    expect(tasks[0]).toMatchObject({ assignee_role: 'owner', title: 'Someone may be guessing passwords' });
    expect(tasks[0].details).toContain(`${signInLimits.accountBurst} failed sign-ins for ${email}`);
    const mails = await t.ctx.db.selectFrom('emails').select(['to_address', 'subject']).where('source', '=', 'security:signin').where('created_at', '>=', since).execute();
    expect(mails).toEqual([{ to_address: email, subject: 'Keepwell: someone may be guessing passwords' }]);
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'target']).where('action', '=', 'signin.burst').execute();
    expect(audit).toEqual([{ action: 'signin.burst', target: email }]);
    expect(ownerId).toBeTruthy();
    tick(signInLimits.accountWindowMs);
  });
});

describe('password hashing', () => {
  afterEach(() => useCostInTests(null));

  it('uses the OWASP scrypt cost (N=2^17, r=8, p=1) outside the test runner, and can verify it', async () => {
    expect(PRODUCTION_COST).toEqual({ N: 131072, r: 8, p: 1 });
    const stored = await hashPassword(PASSWORD, PRODUCTION_COST); // 128 MiB: needs maxmem raised
    expect(stored).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword(PASSWORD, stored)).toBe(true);
  });

  it('refuses absurd stored parameters instead of allocating them', async () => {
    const stored = await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 });
    expect(await verifyPassword(PASSWORD, stored.replace('scrypt$1024$', `scrypt$${2 ** 30}$`))).toBe(false);
  });

  it('rehashes an older, cheaper hash at the current cost on the next successful sign-in', async () => {
    const t = await createTestApp();
    try {
      const old = await hashPassword(PASSWORD, { N: 16384, r: 8, p: 1 }); // what Keepwell stored before
      await createUser(t.ctx.db, { email: 'old@example.test', name: 'Old', role: 'agent', passwordHash: old });
      useCostInTests(PRODUCTION_COST);
      expect(currentCost().N).toBe(131072);
      const wrong = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'old@example.test', password: 'not the password' } });
      expect(wrong.statusCode).toBe(401);
      const hashOf = async () => (await t.ctx.db.selectFrom('users').select('password_hash').where('email', '=', 'old@example.test').executeTakeFirstOrThrow()).password_hash;
      expect(await hashOf()).toBe(old); // a wrong password changes nothing
      const ok = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'old@example.test', password: PASSWORD } });
      expect(ok.statusCode).toBe(200);
      const upgraded = await hashOf();
      expect(upgraded).toMatch(/^scrypt\$131072\$8\$1\$/);
      expect(await verifyPassword(PASSWORD, upgraded)).toBe(true);
    } finally {
      await t.close();
    }
  });
});

describe('API tokens', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: () => clock });
  });
  afterAll(async () => t?.close());

  it('record their last use at most once a minute', async () => {
    const owner = await t.signIn('owner');
    const made = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: owner.headers, payload: { name: 'shop sync' } });
    expect(made.statusCode).toBe(201);
    const { id, token } = made.json() as { id: string; token: string };
    const lastUsed = async () => (await t.ctx.db.selectFrom('api_tokens').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow()).last_used_at?.toISOString() ?? null;
    const call = () => t.app.inject({ method: 'GET', url: '/api/tokens', headers: { authorization: `Bearer ${token}` } });

    expect(await lastUsed()).toBeNull();
    const first = clock.toISOString();
    expect((await call()).statusCode).toBe(200);
    expect(await lastUsed()).toBe(first);
    tick(30_000);
    expect((await call()).statusCode).toBe(200);
    expect(await lastUsed()).toBe(first); // no write within the minute
    tick(31_000);
    expect((await call()).statusCode).toBe(200);
    expect(await lastUsed()).toBe(clock.toISOString());
  });
});
