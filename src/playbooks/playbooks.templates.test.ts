// Templates are written by staff and may be hostile: they must reach no file, and a runaway
// template must stop with a clear error without holding up anything else.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../app/testing/test-app.js';
import { renderEmail, TemplateError } from './playbooks.templates.js';

const vars = { customer: { first_name: 'Alex', tags: ['vip'] }, business: { name: 'Acme' } };
const secretFile = path.resolve('package.json');

async function failure(t: { subject?: string; html?: string; text?: string }): Promise<TemplateError> {
  const err = await renderEmail({ subject: t.subject ?? 'x', html: t.html ?? '', text: t.text ?? '' }, vars).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TemplateError);
  return err as TemplateError;
}

describe('email templates', () => {
  it('render fields, escape HTML and leave the text part alone', async () => {
    const r = await renderEmail({ subject: ' Hi  {{ customer.first_name }} ', html: '<b>{{ business.name | append: "<i>" }}</b>', text: '{{ business.name }} <3' }, vars);
    expect(r).toEqual({ subject: 'Hi Alex', html: '<b>Acme&lt;i&gt;</b>', text: 'Acme <3' });
  });

  it('cannot read files by include, render or layout, with relative or absolute paths', async () => {
    expect(fs.existsSync(secretFile)).toBe(true);
    const secret = fs.readFileSync(secretFile, 'utf8').slice(0, 20);
    for (const tag of ['include', 'render', 'layout']) {
      for (const target of ['"package.json"', `"${secretFile}"`, '"../main/package.json"', 'package.json']) {
        const err = await failure({ html: `{% ${tag} ${target} %}` });
        expect(err.message).toMatch(new RegExp(`\\{% ${tag} %\\} is not available`));
        expect(err.message).not.toContain(secret);
      }
    }
  });

  it('stops nested loops and huge output with a clear error, and keeps rendering afterwards', async () => {
    const loops = await failure({ html: '{% for a in (1..100000) %}{% for b in (1..100000) %}{{ a }}{% endfor %}{% endfor %}' });
    expect(loops.part).toBe('html');
    expect(loops.message).toMatch(/too long to render|too much text|too large a list/);
    const big = await failure({ text: '{% for a in (1..400000) %}x{% endfor %}' });
    expect(big.message).toMatch(/too long|too much|too large/);
    const ok = await renderEmail({ subject: '{{ business.name }}', html: '', text: '' }, vars);
    expect(ok.subject).toBe('Acme');
  });

  it('names a missing field and the part it is in', async () => {
    const err = await failure({ subject: 'Hi {{ customer.nmae }}' });
    expect(err.part).toBe('subject');
    expect(err.message).toMatch(/the field "customer.nmae" does not exist/);
  });

  it('renders many templates concurrently and in order of their own data', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => renderEmail({ subject: `{{ n }}`, html: '', text: '' }, { n: i })));
    expect(results.map((r) => r.subject)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
  });
});

describe('the preview route', () => {
  let t: TestApp | undefined;
  afterAll(async () => t?.close());
  it("refuses an agent's include of a server file with a 400 that holds none of it", async () => {
    t = await createTestApp();
    const agent = await t.signIn('agent');
    const res = await t.app.inject({ method: 'POST', url: '/api/playbooks/preview', headers: agent.headers, payload: { subject: 'x', html: '{% include "package.json" %}', text: '' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/include %\} is not available/);
    expect(res.body).not.toContain('"dependencies"');
  });
});
