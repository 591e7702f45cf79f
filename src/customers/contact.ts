// What counts as contact with a customer — the one definition behind "last contact" on the
// customer list, the health score and the "no contact for N days" playbooks.
// Calls, meetings, chats, tickets, survey answers, emails from a person, imported history: yes.
// Orders (their own signal), internal notes and system records (tags, tasks, promo codes), and
// emails the software sent by itself (playbooks, surveys, digests): no — otherwise the
// "no contact for 60 days" reminder would reset itself, and an automatic win-back email would
// make a lapsing customer look healthy.
import { sql, type RawBuilder } from 'kysely';

export function isContact(alias = 'touchpoints'): RawBuilder<boolean> {
  const col = (name: string) => sql.ref(`${alias}.${name}`);
  return sql<boolean>`(${col('channel')} not in ('order', 'system')
    and ${col('direction')} <> 'internal'
    and not (${col('direction')} = 'out' and ${col('channel')} = 'email'
             and ${col('source')} is not null and ${col('source')} not like 'user:%'))`;
}
