// Adds this feature's part of the demo business, after customers and orders are in: the
// ready-made playbooks switched on a week before the demo's "today" and run for real over that
// week (so Today has tasks and the outbox has emails, as many as a real week brings), and their
// later steps left waiting for the worker.
import { ensureInstanceSecret } from '../platform/secret.js';
import type { DemoSeedContext } from '../platform/feature.js';
import { loadConfig } from '../platform/config.js';
import type { AppContext } from '../platform/context.js';
import { drainJobs } from '../platform/jobs/jobs.service.js';
import { createLogger } from '../platform/logger.js';
import { createTask } from '../tasks/index.js';
import { getWorkspace, workspaceMoney } from '../workspace/index.js';
import { sql } from 'kysely';
import { localDate } from './playbooks.core.js';
import { emitPlaybookEvent } from './playbooks.events.js';
import { installReadyMade } from './playbooks.library.js';
import { scanScheduledTriggers } from './playbooks.scan.js';
import { listPlaybooks, setPlaybookEnabled } from './playbooks.service.js';
import { eventBus } from '../platform/events/events.service.js';

export async function seedPlaybookDemo(demo: DemoSeedContext): Promise<void> {
  const { db, today } = demo;
  await installReadyMade(db, { enable: true });
  // The demo keeps its mail in the outbox, whatever SMTP_URL says.
  const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), smtpUrl: undefined };
  const ctx: AppContext = { db, config, log: createLogger('silent'), now: () => today, secret: await ensureInstanceSecret(db), events: eventBus };
  const ws = await getWorkspace(db);

  // events: the newest customers are welcomed, the latest orders thanked, one cart left behind,
  // one failed payment, one unhappy survey answer
  const newest = await db.selectFrom('customers').select(['id']).where('email', 'is not', null).orderBy('acquired_at', 'desc').limit(3).execute();
  for (const c of newest) await emitPlaybookEvent(ctx, { type: 'customer.created', customerId: c.id, occurrenceKey: c.id });
  const orders = await db.selectFrom('orders').select(['id', 'customer_id', 'amount_minor', 'currency', 'ordered_at']).where('status', '=', 'paid').orderBy('ordered_at', 'desc').limit(4).execute();
  const { money } = await workspaceMoney(db);
  for (const o of orders) {
    const amount = money(Number(o.amount_minor), o.currency);
    await emitPlaybookEvent(ctx, {
      type: 'order.created',
      customerId: o.customer_id,
      occurrenceKey: o.id,
      data: { order: { amount, date: new Date(o.ordered_at).toISOString().slice(0, 10), number: o.id.slice(0, 8) } },
    });
  }
  const consenting = await db
    .selectFrom('customers')
    .select(['id'])
    .where('marketing_consent', '=', true)
    .where('unsubscribed_at', 'is', null)
    .where('email', 'is not', null)
    .orderBy('name')
    .limit(3)
    .execute();
  if (consenting[0])
    await emitPlaybookEvent(ctx, { type: 'cart.abandoned', customerId: consenting[0].id, occurrenceKey: 'demo-cart-1', data: { cart_url: 'https://shop.example/cart/demo-1', value: '£38.50' } });
  if (consenting[1])
    await emitPlaybookEvent(ctx, {
      type: 'payment.failed',
      customerId: consenting[1].id,
      occurrenceKey: 'demo-payment-1',
      data: { update_card_url: 'https://billing.example/update-card', amount: '£12.00' },
    });
  if (consenting[2])
    await emitPlaybookEvent(ctx, { type: 'survey.answered', customerId: consenting[2].id, occurrenceKey: 'demo-survey-1', data: { kind: 'detractor', score: 4, category: 'poor_experience' } });

  // Scheduled triggers: the playbooks count as switched on a week before the demo's today, so
  // who crossed a threshold (no order, no contact) in that week enters — a believable week, not
  // every customer of the past years at once (that backlog is for the owner to include, capped).
  const weekAgo = new Date(today.getTime() - 7 * 86400_000);
  for (const p of await listPlaybooks(db, { enabledOnly: true })) await setPlaybookEnabled(db, p.id, true, { at: weekAgo, restart: true });
  const scan = await scanScheduledTriggers(ctx);

  // run everything due today: emails land in the outbox, tasks in Today
  const r = await drainJobs(ctx, { concurrency: 2, maxBatches: 200 });

  // and two tasks made by hand
  const [a, b] = await db.selectFrom('customers').select(['id', 'name']).orderBy('acquired_at').limit(2).execute();
  if (a) await createTask(db, { customerId: a.id, title: `Prepare the yearly review with ${a.name}`, dueAt: today, assigneeUserId: demo.staffIds[0], source: 'manual', idempotencyKey: 'demo-task-1' });
  if (b) await createTask(db, { customerId: b.id, title: `Send ${b.name} the new price list`, dueAt: today, assigneeRole: 'owner', source: 'manual', idempotencyKey: 'demo-task-2' });
  const outbox = await db.selectFrom('emails').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  const tomorrow = new Date(today.getTime() + 86400_000);
  const tasksToday = await db.selectFrom('tasks').select(sql<number>`count(*)`.as('n')).where('status', '=', 'open').where('due_at', '<', tomorrow).executeTakeFirstOrThrow();
  demo.log(
    `Playbooks: ready-made playbooks on since ${localDate(weekAgo, ws?.timeZone ?? 'UTC')}; ${scan.enrolled} customers entered a scheduled playbook this week (${scan.existingWaiting} earlier ones left out until the owner includes them); ran ${r.ran} jobs; ${Number(outbox.n)} emails in the outbox, ${Number(tasksToday.n)} open tasks due by tomorrow.`,
  );
}
