// Seeds the demo business into an empty database, once. Same seed, same data.
import { sql } from 'kysely';
import { createUser, hasOwner } from '../accounts/accounts.service.js';
import type { Database } from '../platform/db/database.js';
import { saveWorkspace } from '../workspace/workspace.service.js';
import { generateDemoBusiness } from './generate.js';
import { seedAnalyticsDemo } from '../analytics/analytics.demo.js';
import { seedPlaybookDemo } from '../playbooks/playbooks.demo.js';
import { seedSurveyDemo } from '../surveys/surveys.demo.js';

/** What a feature's demo seeder gets: the database, the seed, the demo's "today", staff ids (owner first). */
export interface DemoSeedContext {
  db: Database;
  seed: number;
  today: Date;
  staffIds: string[];
  log: (message: string) => void;
}

// Features add their demo data in this order, after customers, orders and touchpoints.
const featureSeeders = [seedAnalyticsDemo, seedPlaybookDemo, seedSurveyDemo];

export const demoSignIn = { email: 'owner@demo.keepwell.test', password: 'keepwell-demo' };

export interface SeedOptions {
  seed?: number;
  /** the day the demo's history ends (default: today) */
  today?: Date;
  onProgress?: (message: string) => void;
}

/** Returns false when the database already holds a business (nothing is changed then). */
export async function seedDemo(db: Database, options: SeedOptions = {}): Promise<boolean> {
  if (await hasOwner(db)) return false;
  const log = options.onProgress ?? (() => {});
  const business = generateDemoBusiness({ seed: options.seed ?? 42, today: options.today ?? new Date() });
  log(`Seeding the demo business "${business.workspace.name}": ${business.customers.length} customers, ${business.orders.length} orders…`);
  await saveWorkspace(db, business.workspace);
  const owner = await createUser(db, { ...demoSignIn, name: business.staff[0].name, role: 'owner' });
  const staffIds = [owner.id];
  for (const member of business.staff.slice(1)) {
    const u = await createUser(db, { email: member.email, name: member.name, role: member.role, password: demoSignIn.password });
    staffIds.push(u.id);
  }
  await db.transaction().execute(async (trx) => {
    const chunk = <T>(rows: T[], size = 500) => Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, (i + 1) * size));
    for (const part of chunk(business.customers)) {
      await trx
        .insertInto('customers')
        .values(part.map(({ owner_staff_index, ...c }) => ({ ...c, owner_user_id: owner_staff_index === null ? null : staffIds[owner_staff_index] })))
        .execute();
    }
    for (const part of chunk(business.orders, 2000)) await trx.insertInto('orders').values(part).execute();
    for (const part of chunk(business.subscriptions)) await trx.insertInto('subscriptions').values(part).execute();
    for (const part of chunk(business.touchpoints, 2000)) await trx.insertInto('touchpoints').values(part).execute();
  });
  await sql`analyze`.execute(db);
  const today = options.today ?? new Date();
  for (const seedFeature of featureSeeders) await seedFeature({ db, seed: options.seed ?? 42, today, staffIds, log });
  log('Demo business ready.');
  return true;
}
