// A feature adds a playbook trigger of its own through `contributes.playbookTriggers`: playbooks
// with it can be saved (its fields checked, named when wrong), its events enrol customers once per
// occurrence when `matches` agrees, and the trigger catalogue lists it. A throw-away feature
// stands in for the one that would contribute it (as loyalty contributes "points are about to expire").
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { features } from '../app/features.js';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { makeCustomer } from '../customers/testing/factories.js';
import { installFeatures, loadFeatures, type Feature } from '../platform/feature.js';
import { eventMatches, playbookDefinition, triggerSchema } from './playbooks.core.js';
import { emitPlaybookEvent } from './playbooks.events.js';

const sample: Feature = {
  name: 'sample',
  contributes: {
    playbookTriggers: [
      {
        type: 'visit.counted',
        label: 'a visit was counted',
        fields: { minPoints: z.number().int().min(0).default(0) },
        matches: (trigger, data) => Number(data.points) >= Number(trigger.minPoints),
      },
    ],
  },
};

let t: TestApp;
let owner: Caller;
beforeAll(async () => {
  installFeatures([...features, sample]);
  await loadFeatures();
  t = await createTestApp();
  owner = await t.signIn('owner');
});
afterAll(async () => {
  await t?.close();
  installFeatures(features);
  await loadFeatures();
});

const definition = (trigger: unknown) => ({ name: 'Count your visits', trigger, steps: [{ action: { type: 'task', title: 'Remind {{ customer.name }}' } }] });

describe('contributed playbook triggers', () => {
  it('the engine alone knows only its own triggers; a contributed one matches only its own events', () => {
    expect(triggerSchema.safeParse({ type: 'visit.counted', minPoints: 1 }).success).toBe(false);
    const trigger = { type: 'visit.counted', minPoints: 100 } as never;
    const def = { type: 'visit.counted', label: '', matches: (tr: Record<string, unknown>, d: Record<string, unknown>) => Number(d.points) >= Number(tr.minPoints) };
    expect(eventMatches(trigger, { type: 'visit.counted', data: { points: 150 } }, [def])).toBe(true);
    expect(eventMatches(trigger, { type: 'visit.counted', data: { points: 50 } }, [def])).toBe(false);
    expect(eventMatches(trigger, { type: 'tier.reached', data: { points: 150 } }, [def])).toBe(false);
    expect(eventMatches(trigger, { type: 'visit.counted', data: { points: 150 } })).toBe(false); // nobody contributes it
  });

  it('saves a playbook with it, names a bad field, lists it in the catalogue, and enrols once per occurrence', async () => {
    expect(playbookDefinition.parse(definition({ type: 'visit.counted' })).trigger).toEqual({ type: 'visit.counted', minPoints: 0 });
    const bad = await t.app.inject({ method: 'POST', url: '/api/playbooks', headers: owner.headers, payload: definition({ type: 'visit.counted', minPoints: -3 }) });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().error.fields)).toContain('minPoints');
    const unknown = await t.app.inject({ method: 'POST', url: '/api/playbooks', headers: owner.headers, payload: definition({ type: 'moon.phase' }) });
    expect(unknown.statusCode).toBe(400);

    const created = await t.app.inject({ method: 'POST', url: '/api/playbooks', headers: owner.headers, payload: definition({ type: 'visit.counted', minPoints: 100 }) });
    expect(created.statusCode, created.body).toBe(201);
    const pb = created.json() as { id: string };
    expect((await t.app.inject({ method: 'POST', url: `/api/playbooks/${pb.id}/enabled`, headers: owner.headers, payload: { enabled: true } })).statusCode).toBe(200);

    const catalogue = (await t.app.inject({ method: 'GET', url: '/api/playbooks/triggers', headers: owner.headers })).json().triggers as {
      type: string;
      label: string;
      contributed: boolean;
      fields: string[];
    }[];
    expect(catalogue).toContainEqual({ type: 'visit.counted', label: 'a visit was counted', contributed: true, fields: ['minPoints'] });
    expect(catalogue).toContainEqual({ type: 'order', label: 'an order', contributed: false, fields: ['which'] });

    const few = await makeCustomer(t.ctx.db, { name: 'Few Points' });
    const many = await makeCustomer(t.ctx.db, { name: 'Many Points' });
    expect((await emitPlaybookEvent(t.ctx, { type: 'visit.counted', customerId: few.id, occurrenceKey: 'few:1', data: { points: 40 } })).enrolled).toEqual([]);
    const first = await emitPlaybookEvent(t.ctx, { type: 'visit.counted', customerId: many.id, occurrenceKey: 'many:1', data: { points: 400 } });
    expect(first.enrolled.map((e) => e.playbookId)).toEqual([pb.id]);
    expect((await emitPlaybookEvent(t.ctx, { type: 'visit.counted', customerId: many.id, occurrenceKey: 'many:1', data: { points: 400 } })).enrolled).toEqual([]);
    // through the events API too; a type nobody knows is a 400 naming the field
    const api = await t.app.inject({
      method: 'POST',
      url: '/api/events',
      headers: owner.headers,
      payload: { type: 'visit.counted', customerId: many.id, occurrenceKey: 'many:2', data: { points: 500 } },
    });
    expect(api.statusCode, api.body).toBe(202);
    expect(api.json().enrolled).toHaveLength(1);
    const nobody = await t.app.inject({ method: 'POST', url: '/api/events', headers: owner.headers, payload: { type: 'moon.phase', customerId: many.id, occurrenceKey: 'x' } });
    expect(nobody.statusCode).toBe(400);
    expect(JSON.stringify(nobody.json().error.fields)).toContain('type');
  });
});
