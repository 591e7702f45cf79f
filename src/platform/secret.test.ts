// Keys derived per purpose from the instance secret, and `keepwell secret rotate`: what a
// rotation keeps (API tokens) and what it ends (sessions, links and webhook keys made with the
// old secret). The server after a rotation is a new one on the same database, as after a restart.
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../app/testing/test-app.js';
import { makeCustomer } from '../customers/testing/factories.js';
import { unsubscribeToken } from '../mail/index.js';
import { sendSurvey } from '../surveys/index.js';
import { buildServer, type App } from './http/server.js';
import { ensureInstanceSecret, purposeKey, rotateInstanceSecret } from './secret.js';

const sign = (key: string, body: string) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

describe('keys derived from the instance secret', () => {
  it('gives each purpose its own key, none of them the secret', () => {
    const secret = 'a'.repeat(64);
    const a = purposeKey(secret, 'playbooks.webhook');
    expect(a.length).toBe(32);
    expect(purposeKey(secret, 'playbooks.webhook').equals(a)).toBe(true);
    expect(purposeKey(secret, 'customers.orders-webhook').equals(a)).toBe(false);
    expect(purposeKey('b'.repeat(64), 'playbooks.webhook').equals(a)).toBe(false);
    expect(a.toString('hex')).not.toContain(secret.slice(0, 16));
  });
});

describe('keepwell secret rotate', () => {
  let t: TestApp;
  let after: App | undefined;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await after?.close();
    await t.close();
  });

  it('ends sessions, old links and old webhook keys; API tokens keep working', async () => {
    const owner = await t.signIn('owner');
    const token = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: owner.headers, payload: { name: 'shop sync' } });
    expect(token.statusCode).toBe(201);
    const bearer = { authorization: `Bearer ${token.json().token}` };
    const orderWebhook = (await t.app.inject({ method: 'GET', url: '/api/customers/webhook', headers: owner.headers })).json().secret as string;
    const playbookKey = (await t.app.inject({ method: 'GET', url: '/api/playbooks/webhook-key', headers: owner.headers })).json().secret as string;
    expect(playbookKey).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(playbookKey).not.toBe(orderWebhook);

    // the orders webhook takes the derived key, not the instance secret itself
    const body = JSON.stringify({ id: 'o-1', customer: { email: 'rot@example.test' }, amount: '12.50', orderedAt: '2026-01-05T10:00:00Z' });
    const postOrder = (app: App, signature: string) =>
      app.inject({ method: 'POST', url: '/api/webhooks/orders', headers: { 'content-type': 'application/json', 'x-keepwell-signature': signature }, payload: body });
    expect((await postOrder(t.app, sign(t.ctx.secret, body))).statusCode).toBe(401);
    expect((await postOrder(t.app, sign(orderWebhook, body))).statusCode).toBeLessThan(300);

    // links in emails: today's, and one signed the old way (the secret itself) before the upgrade
    const customer = await makeCustomer(t.ctx.db, { email: 'links@example.test', marketing_consent: true });
    const legacyUnsubscribe = `${customer.id}.${createHmac('sha256', t.ctx.secret).update(`unsubscribe:${customer.id}`).digest('base64url').slice(0, 32)}`;
    const unsubscribe = unsubscribeToken(t.ctx.secret, customer.id);
    expect(unsubscribe).not.toBe(legacyUnsubscribe);
    const survey = await sendSurvey(t.ctx, { customerId: customer.id, kind: 'nps', eventKey: 'rotation-test', source: 'user:test' });
    expect(survey.link, survey.reason).toBeTruthy();
    const surveyPath = survey.link!.replace(/^https?:\/\/[^/]+/, '');
    for (const url of [`/p/unsubscribe/${legacyUnsubscribe}`, `/p/unsubscribe/${unsubscribe}`, surveyPath]) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }

    const rotation = await rotateInstanceSecret(t.ctx.db);
    expect(rotation.first).toBe(false);
    const said = rotation.changes.join('\n');
    expect(said).toMatch(/^accounts: \d+ sessions signed out/m);
    const newSecret = await ensureInstanceSecret(t.ctx.db);
    expect(newSecret).not.toBe(t.ctx.secret);

    // the server after a restart
    after = await buildServer({ ...t.ctx, secret: newSecret }, { serveWeb: false, logger: false });
    expect((await after.inject({ method: 'GET', url: '/api/customers', headers: owner.headers })).statusCode).toBe(401);
    expect((await after.inject({ method: 'GET', url: '/api/customers', headers: bearer })).statusCode).toBe(200);
    const newOrderWebhook = (await after.inject({ method: 'GET', url: '/api/customers/webhook', headers: bearer })).json().secret as string;
    const newPlaybookKey = (await after.inject({ method: 'GET', url: '/api/playbooks/webhook-key', headers: bearer })).json().secret as string;
    expect(newOrderWebhook).not.toBe(orderWebhook);
    expect(newPlaybookKey).not.toBe(playbookKey);
    // the operator is told the new keys
    expect(said).toContain(`customers: the orders webhook secret is now ${newOrderWebhook}`);
    expect(said).toContain(`playbooks: webhook steps are now signed with ${newPlaybookKey}`);
    expect((await postOrder(after, sign(orderWebhook, body))).statusCode).toBe(401);
    expect((await postOrder(after, sign(newOrderWebhook, body))).statusCode).toBeLessThan(300);
    for (const url of [`/p/unsubscribe/${legacyUnsubscribe}`, `/p/unsubscribe/${unsubscribe}`, surveyPath]) {
      expect((await after.inject({ method: 'GET', url })).statusCode, url).not.toBe(200);
    }
  });
});

describe.skipIf(process.env.TEST_DATABASE_URL)('the command', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-rotate-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const run = () =>
    spawnSync(process.execPath, [path.resolve(import.meta.dirname, '../../bin/keepwell.js'), 'secret', 'rotate', '--data-dir', dataDir], {
      encoding: 'utf8',
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });

  it('makes a secret on a fresh install, then replaces it and says what changed', () => {
    const first = run();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('Made the instance secret');
    const second = run();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain('The instance secret is replaced');
    expect(second.stdout).toMatch(/- accounts: 0 sessions signed out/);
    expect(second.stdout).toMatch(/- customers: the orders webhook secret is now whsec_[0-9a-f]{64}/);
    expect(second.stdout).toContain('Restart every Keepwell server');
  }, 120_000);
});
