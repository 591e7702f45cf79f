// Recovery's entries on the customer's timeline (an apology sent or logged, with its source
// 'recovery:<incident id>') are named by their incident and link to its page.
import type { TimelineSourceDef, TimelineSourceName } from '../customers/index.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const recoveryTimelineSources: TimelineSourceDef[] = [
  {
    prefix: 'recovery',
    label: 'Recovery',
    name: async (db, ids) => {
      const known = ids.filter((id) => uuid.test(id));
      const rows = known.length ? await db.selectFrom('recovery_incidents').select(['id', 'title']).where('id', 'in', known).execute() : [];
      const names = new Map<string, TimelineSourceName>(ids.map((id) => [id, { label: 'Recovery' }]));
      for (const r of rows) names.set(r.id, { label: `Incident “${r.title}”`, link: `/recovery/${r.id}` });
      return names;
    },
  },
];
