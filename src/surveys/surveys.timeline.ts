// An answer on the timeline carries 'survey:<request id>': named by the survey's kind (contributed
// to customers' `timelineSources`).
import type { TimelineSourceDef, TimelineSourceName } from '../customers/index.js';
import { kindInfo } from './surveys.kinds.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const surveyTimelineSources: TimelineSourceDef[] = [
  {
    prefix: 'survey',
    label: 'Survey',
    name: async (db, ids) => {
      const known = ids.filter((id) => uuid.test(id));
      const rows = known.length ? await db.selectFrom('survey_requests').select(['id', 'kind']).where('id', 'in', known).execute() : [];
      return new Map<string, TimelineSourceName>(rows.map((r) => [r.id, { label: `${kindInfo[r.kind as keyof typeof kindInfo]?.label ?? 'A'} survey`, link: '/surveys' }]));
    },
  },
];
