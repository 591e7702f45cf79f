// A survey followed in a real browser (Chromium through playwright-core): the email arrives
// through a real SMTP server, a score link is clicked, a comment (with script in it) is sent,
// the thank-you shows the score, and the detractor's task exists. A second survey is answered
// on a phone-sized screen with JavaScript turned off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createUser } from '../accounts/index.js';
import { makeCustomer } from '../customers/testing/factories.js';
import { startKeepwell, type Running } from '../platform/app.js';
import { DELIVER_JOB } from '../platform/events/events.service.js';
import { drainJobs } from '../platform/jobs/jobs.service.js';
import { loadConfig } from '../platform/config.js';
import { deliverPendingEmails } from '../mail/index.js';
import { createTestDatabase } from '../app/testing/test-database.js';
import { saveWorkspace } from '../workspace/index.js';
import { chromiumPath, launchBrowser, noChromiumReason } from '../../test/e2e/browser.js';
import { shotDir } from '../app/testing/web-app.js';
import { sendSurvey } from './surveys.service.js';
import { startSmtp, surveyLinks } from './surveys.test-helpers.js';

if (!chromiumPath) console.log(`surveys: ${noChromiumReason}`);

describe.skipIf(!chromiumPath)('survey pages in Chromium', () => {
  let running: Running;
  let browser: Browser;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;

  beforeAll(async () => {
    smtp = await startSmtp();
    const database = await createTestDatabase();
    running = await startKeepwell(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', SMTP_URL: smtp.url }, { worker: false }), database);
    running.ctx.config.publicUrl = running.url;
    await saveWorkspace(running.ctx.db, { name: 'Fern & Finch <Studio>', industry: 'professional_services', timeZone: 'Europe/London', currency: 'GBP' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    const { closeTransports } = await import('../mail/index.js');
    closeTransports();
    await running?.stop();
    await smtp?.close();
  });

  it('answers an emailed NPS survey with one click and a comment; the detractor gets a task', async () => {
    const db = running.ctx.db;
    const owner = await createUser(db, { email: 'owner@fern.test', name: 'Fern Owner', role: 'owner', password: 'correct horse battery' });
    const c = await makeCustomer(db, { name: 'Margot Quill-Robinson', email: 'margot@example.test', owner_user_id: owner.id, marketing_consent: true });
    expect((await sendSurvey(running.ctx, { customerId: c.id, kind: 'nps', eventKey: 'nps:2026-11' })).sent).toBe(true);
    await deliverPendingEmails(running.ctx);
    const mail = smtp.received.find((m) => m.to.includes('margot@example.test'));
    expect(mail).toBeDefined();
    const two = surveyLinks(mail!.raw).find((l) => l.endsWith('?score=2'));
    expect(two).toBeDefined();

    const page = await browser.newPage();
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await page.goto(two!);
    await expect.poll(() => page.getByTestId('score-chosen').innerText()).toContain('You chose 2');
    // opening the link (as a mail scanner does) records nothing; the tap on Send does
    expect(await db.selectFrom('survey_responses').select('id').where('customer_id', '=', c.id).execute()).toHaveLength(0);
    await page.screenshot({ path: `${shotDir}/survey-chosen-desktop.png`, fullPage: true });
    const text = await page.locator('body').innerText();
    expect(text).toContain('Margot');
    expect(text).not.toContain('Quill-Robinson');
    expect(text).not.toContain('margot@example.test');
    expect(text).toContain('Fern & Finch <Studio>'); // the business name, shown as text
    expect(await page.getByRole('radio', { name: '2' }).isChecked()).toBe(true);

    const comment = '<script>window.__pwned = 1; alert(1)</script><img src=x onerror="alert(2)"> The app keeps crashing and support never replied';
    await page.getByLabel("What's the main reason for your answer? (optional)").fill(comment);
    await page.getByRole('button', { name: 'Send my answer' }).click();
    await page.getByTestId('thanks').waitFor();
    expect(await page.getByTestId('final-score').innerText()).toBe('2');
    expect(await page.getByTestId('your-comment').innerText()).toBe(comment);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toBe(0);

    // the detractor task follows the answer's event (this server runs without its worker: deliver it here)
    await drainJobs(running.ctx, { kinds: [DELIVER_JOB] });
    const task = await db.selectFrom('tasks').selectAll().where('customer_id', '=', c.id).executeTakeFirstOrThrow();
    expect(task.assignee_user_id).toBe(owner.id);
    expect(task.title).toContain('NPS 2');
    expect(task.details).toContain('The app keeps crashing');
    const r = await db.selectFrom('survey_responses').selectAll().where('customer_id', '=', c.id).executeTakeFirstOrThrow();
    expect(r.score).toBe(2);
    expect(r.sentiment).toBe('negative');
    await page.close();
  });

  it('works on a phone with JavaScript turned off', async () => {
    const db = running.ctx.db;
    const c = await makeCustomer(db, { name: 'Otto Pane', email: 'otto@example.test' });
    const sent = await sendSurvey(running.ctx, { customerId: c.id, kind: 'csat', eventKey: 'ticket:77' });
    expect(sent.sent).toBe(true);
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await context.newPage();
    await page.goto(sent.link!);
    // the score buttons fit the screen: no sideways scrolling
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.locator('label[title="5"]').click();
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('thanks').waitFor();
    expect(await page.getByTestId('final-score').innerText()).toBe('5');
    const r = await db.selectFrom('survey_responses').select('score').where('customer_id', '=', c.id).executeTakeFirstOrThrow();
    expect(r.score).toBe(5);
    expect(await db.selectFrom('tasks').select('id').where('customer_id', '=', c.id).execute()).toHaveLength(0);
    // a one-click link on the phone: the score is chosen, one tap confirms it
    const again = await sendSurvey(running.ctx, { customerId: c.id, kind: 'ces', eventKey: 'ticket:78' });
    await page.goto(`${again.link!}?score=6`);
    expect(await page.getByRole('radio', { name: '6' }).isChecked()).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.screenshot({ path: `${shotDir}/survey-chosen-phone.png`, fullPage: true });
    expect(await db.selectFrom('survey_responses').select('id').where('customer_id', '=', c.id).where('kind', '=', 'ces').execute()).toHaveLength(0);
    await page.getByRole('button', { name: 'Send my answer' }).click();
    await page.getByTestId('thanks').waitFor();
    expect(await page.getByTestId('final-score').innerText()).toBe('6');
    await context.close();
  });
});
