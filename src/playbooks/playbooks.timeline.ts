// Timeline entries a playbook step writes carry 'playbook:<id>': named by the playbook's name,
// linked to its editor (contributed to customers' `timelineSources`).
import type { TimelineSourceDef, TimelineSourceName } from '../customers/index.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const playbookTimelineSources: TimelineSourceDef[] = [
  {
    prefix: 'playbook',
    label: 'Playbook',
    name: async (db, ids) => {
      const known = ids.filter((id) => uuid.test(id));
      const rows = known.length ? await db.selectFrom('playbooks').select(['id', 'name']).where('id', 'in', known).execute() : [];
      const names = new Map<string, TimelineSourceName>(ids.map((id) => [id, { label: 'A playbook since deleted' }]));
      for (const r of rows) names.set(r.id, { label: `Playbook “${r.name}”`, link: `/playbooks/${r.id}` });
      return names;
    },
  },
];
