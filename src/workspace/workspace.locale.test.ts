// The workspace's locale: derived from the currency (and, for the euro, the time zone) until the
// owner chooses one; a tag that is no locale is refused naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { defaultLocale } from './workspace.service.js';

let t: TestApp;
let owner: Caller;
beforeAll(async () => {
  t = await createTestApp();
  owner = await t.signIn('owner');
});
afterAll(() => t?.close());

describe('workspace locale', () => {
  it('is derived until chosen, then kept; a bad tag is refused', async () => {
    expect(defaultLocale('GBP', 'Europe/London')).toBe('en-GB');
    expect(defaultLocale('USD', 'America/New_York')).toBe('en-US');
    expect(defaultLocale('EUR', 'Europe/Berlin')).toBe('de-DE');
    expect(defaultLocale('EUR', 'Pacific/Fiji')).toBe('en-GB');
    const patch = (body: object) => t.app.inject({ method: 'PATCH', url: '/api/workspace', headers: owner.headers, payload: body });
    expect((await patch({ currency: 'GBP', timeZone: 'Europe/London', locale: null })).json().locale).toBe('en-GB');
    const chosen = await patch({ locale: 'de-de' });
    expect(chosen.statusCode).toBe(200);
    expect(chosen.json().locale).toBe('de-DE');
    expect((await t.app.inject({ method: 'GET', url: '/api/workspace', headers: owner.headers })).json().locale).toBe('de-DE');
    const bad = await patch({ locale: 'not a locale!' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().error.fields)).toContain('locale');
  });
});
