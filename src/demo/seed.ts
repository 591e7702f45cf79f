// Seeds the demo business into an empty database, once. Same seed, same data.
import { insertHistory } from '../customers/index.js';
import { sql } from 'kysely';
import { createUser, hasOwner } from '../accounts/index.js';
import type { Database } from '../platform/db/database.js';
import { getFeatureSettings, saveWorkspace, setFeatureSettings } from '../workspace/index.js';
import { generateDemoBusiness } from './generate.js';
import { loadFeatures } from '../platform/feature.js';

export const demoSignIn = { email: 'owner@demo.keepwell.test', password: 'keepwell-demo' };

export interface SeedOptions {
  seed?: number;
  /** the day the demo's history ends (default: today) */
  today?: Date;
  onProgress?: (message: string) => void;
}

export class DemoSeedError extends Error {}

/**
 * Returns false when the demo is already there (nothing is changed then). A database holding
 * another business, or a demo whose seeding was cut off, is refused with a clear message.
 */
export async function seedDemo(db: Database, options: SeedOptions = {}): Promise<boolean> {
  if (await hasOwner(db)) {
    const demo = await getFeatureSettings(db, 'demo', { seeded: false });
    if (demo.seeded) return false;
    throw new DemoSeedError(
      'This database already holds a business that is not a complete demo (another business, or a demo whose seeding was interrupted). ' +
        'Point the demo at its own data folder (--data-dir), or delete the demo folder and run again.',
    );
  }
  const log = options.onProgress ?? (() => {});
  const seed = options.seed ?? 42;
  if (!Number.isInteger(seed)) throw new DemoSeedError(`--seed must be a whole number, got ${options.seed}`);
  const today = options.today ?? new Date();
  const business = generateDemoBusiness({ seed, today });
  log(`Seeding the demo business "${business.workspace.name}": ${business.customers.length} customers, ${business.orders.length} orders…`);
  await saveWorkspace(db, business.workspace);
  const owner = await createUser(db, { ...demoSignIn, name: business.staff[0].name, role: 'owner' });
  const staffIds = [owner.id];
  for (const member of business.staff.slice(1)) {
    const u = await createUser(db, { email: member.email, name: member.name, role: member.role, password: demoSignIn.password });
    staffIds.push(u.id);
  }
  await insertHistory(db, {
    customers: business.customers.map(({ owner_staff_index, ...c }) => ({ ...c, owner_user_id: owner_staff_index === null ? null : staffIds[owner_staff_index] })),
    orders: business.orders,
    subscriptions: business.subscriptions,
    touchpoints: business.touchpoints,
  });
  await sql`analyze`.execute(db);
  // features add their demo data in list order, after customers, orders and touchpoints
  for (const f of await loadFeatures()) if (f.demo) await f.demo({ db, seed, today, staffIds, log });
  await setFeatureSettings(db, 'demo', { seeded: true, seed, today: today.toISOString() });
  log('Demo business ready.');
  return true;
}
