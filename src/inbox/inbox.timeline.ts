// Timeline entries of inbound messages carry 'inbox:<conversation id>' (insertMessage): the
// customer page reads them as 'Conversation: <subject>' linked to the conversation in the inbox
// (contributed to customers' `timelineSources`). A conversation merged into another links to the
// one it joined, where its messages live now.
import type { TimelineSourceDef, TimelineSourceName } from '../customers/index.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const inboxTimelineSources: TimelineSourceDef[] = [
  {
    prefix: 'inbox',
    label: 'Inbox',
    name: async (db, ids) => {
      const known = [...new Set(ids.filter((id) => uuid.test(id)))];
      const rows = known.length
        ? await db
            .selectFrom('conversations as c')
            .leftJoin('conversations as t', 't.id', 'c.merged_into_id')
            .select(['c.id', 'c.subject', 't.id as target_id', 't.merged_into_id as target_merged'])
            .where('c.id', 'in', known)
            .execute()
        : [];
      const names = new Map<string, TimelineSourceName>(ids.map((id) => [id, { label: 'A conversation since deleted' }]));
      for (const r of rows) {
        const subject = r.subject.length > 120 ? `${r.subject.slice(0, 119)}…` : r.subject;
        names.set(r.id, { label: `Conversation: ${subject}`, link: `/inbox/${r.target_merged ?? r.target_id ?? r.id}` });
      }
      return names;
    },
  },
];
