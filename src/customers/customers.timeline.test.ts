import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { installReadyMade, listPlaybooks } from '../playbooks/index.js';
import { recordTouchpoint } from './customers.service.js';
import { nameSources, prefixInWords, splitSource, type TimelineSourceDef } from './customers.timeline.js';
import { makeCustomer } from './testing/factories.js';

describe('timeline sources in words', () => {
  it('splits a source into its prefix and id, and says a prefix nobody names in words', () => {
    expect(splitSource('playbook:a678e5df-1')).toEqual(['playbook', 'a678e5df-1']);
    expect(splitSource('import')).toEqual(['import', null]);
    expect(splitSource('mail:')).toEqual(['mail', null]);
    expect(prefixInWords('recovery')).toBe('Recovery');
    expect(prefixInWords('loyalty_rules')).toBe('Loyalty rules');
    expect(prefixInWords('')).toBe('Keepwell');
  });

  it('names sources through the contributed definitions, one call per prefix; a failing one keeps its label', async () => {
    const calls: string[][] = [];
    const defs: TimelineSourceDef[] = [
      { prefix: 'thing', label: 'A thing', name: async (_db, ids) => (calls.push(ids), new Map([['1', { label: 'Thing one', link: '/things/1' }]])) },
      { prefix: 'broken', label: 'Broken area', name: async () => Promise.reject(new Error('down')) },
      { prefix: 'plain', label: 'Plain words' },
    ];
    const names = await nameSources(null as never, ['thing:1', 'thing:2', 'thing:1', 'broken:9', 'plain', 'other:7', null], defs);
    expect(calls).toEqual([['1', '2']]);
    expect(Object.fromEntries(names)).toEqual({
      'thing:1': { label: 'Thing one', link: '/things/1' },
      'thing:2': { label: 'A thing', link: null },
      'broken:9': { label: 'Broken area', link: null },
      plain: { label: 'Plain words', link: null },
      'other:7': { label: 'Other', link: null },
    });
  });
});

describe('the customer page names who wrote each timeline entry', () => {
  let t: TestApp;
  let agent: Caller;
  beforeAll(async () => {
    t = await createTestApp();
    agent = await t.signIn('agent');
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows playbooks by name with a link, a deleted one as such, and never a raw id', async () => {
    const db = t.ctx.db;
    await installReadyMade(db);
    const [pb] = await listPlaybooks(db);
    const c = await makeCustomer(db, { name: 'Tim Line' });
    const sources = [`playbook:${pb.id}`, 'playbook:00000000-0000-4000-8000-000000000000', 'playbook:not-a-uuid', 'recovery:abc', 'import', 'unsubscribe', 'webhook'];
    for (const [i, source] of sources.entries()) {
      await recordTouchpoint(db, { customerId: c.id, channel: 'note', direction: 'internal', summary: `entry ${i}`, source, occurredAt: new Date(Date.UTC(2025, 0, 1 + i)) });
    }
    const r = await t.app.inject({ method: 'GET', url: `/api/customers/${c.id}`, headers: agent.headers });
    expect(r.statusCode).toBe(200);
    const bySummary = Object.fromEntries((r.json().touchpoints as { summary: string; sourceLabel: string; sourceLink: string | null }[]).map((x) => [x.summary, [x.sourceLabel, x.sourceLink]]));
    expect(bySummary).toEqual({
      'entry 0': [`Playbook “${pb.name}”`, `/playbooks/${pb.id}`],
      'entry 1': ['A playbook since deleted', null],
      'entry 2': ['A playbook since deleted', null],
      'entry 3': ['Recovery', null],
      'entry 4': ['Import', null],
      'entry 5': ['Unsubscribe link', null],
      'entry 6': ['Shop (webhook)', null],
    });
    expect(JSON.stringify(Object.values(bySummary))).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}.*“|abc/);
  });
});
