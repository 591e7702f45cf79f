// The library: outcomes of apologies measured from the data (ordered again within N days, left,
// health since), results of apologised vs not, templates saved from good apologies, and the
// optional public incident note.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { customerScores } from '../analytics/index.js';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';
import { badRequest, HttpError, notFound } from '../platform/http/errors.js';
import { escapeHtml as e } from '../mail/index.js';
import { getWorkspace } from '../workspace/index.js';
import { formatMoney, groupLabel, type IncidentKind, type Outcome, outcomeOf, sampleNote, summarise, templateFromApology } from './recovery.core.js';
import { affectedFacts, outcomeInput, requireIncident } from './recovery.service.js';

/** Every affected customer's outcome (optionally of one incident), keyed `<incident>:<customer>`. */
export async function outcomes(ctx: AppContext, windowDays: number, incidentId: string | null = null) {
  const rows = await affectedFacts(ctx.db, incidentId, windowDays);
  const scores = await customerScores(
    ctx,
    rows.map((r) => r.customer_id),
  );
  const now = ctx.now().getTime();
  return rows.map((r) => ({ row: r, outcome: outcomeOf(outcomeInput(r, scores.get(r.customer_id)?.health ?? null), windowDays, now) }));
}

/** Retention of affected customers who got an apology (on time, late) vs those who did not, with counts and ranges. */
export async function recoveryResults(ctx: AppContext, windowDays: number, incidentId: string | null = null) {
  const all = await outcomes(ctx, windowDays, incidentId);
  const groups = summarise(all.map((x) => x.outcome));
  const kinds = [...new Set(all.map((x) => x.row.kind))].sort();
  return {
    windowDays,
    groups: groups.map((g) => ({ ...g, label: groupLabel[g.group] })),
    note: sampleNote(groups),
    byKind: kinds.map((kind) => {
      const apologised = all.filter((x) => x.row.kind === kind && x.outcome.group !== 'none').map((x) => x.outcome);
      return { kind, ...keptOf(apologised) };
    }),
  };
}

/** "Apologies like this one kept 8 of 10 customers": returned of those whose outcome is known. */
export function keptOf(os: Outcome[]): { kept: number; of: number; waiting: number } {
  const decided = os.filter((o) => o.status !== 'waiting');
  return { kept: decided.filter((o) => o.status === 'returned').length, of: decided.length, waiting: os.length - decided.length };
}

/** The track record of apologies for incidents of this kind (for the composer). */
export async function trackRecord(ctx: AppContext, kind: IncidentKind, windowDays: number) {
  const all = await outcomes(ctx, windowDays);
  return { kind, windowDays, ...keptOf(all.filter((x) => x.row.kind === kind && x.outcome.group !== 'none').map((x) => x.outcome)) };
}

// ---- templates ----

export interface TemplateOut {
  id: string;
  name: string;
  kind: IncidentKind;
  subject: string;
  body: string;
  fromApologyId: string | null;
  createdAt: Date;
}

const templateOut = (t: { id: string; name: string; kind: IncidentKind; subject: string; body: string; from_apology_id: string | null; created_at: Date }): TemplateOut => ({
  id: t.id,
  name: t.name,
  kind: t.kind,
  subject: t.subject,
  body: t.body,
  fromApologyId: t.from_apology_id,
  createdAt: t.created_at,
});

export async function listTemplates(db: Database, kind?: IncidentKind): Promise<TemplateOut[]> {
  let q = db.selectFrom('recovery_templates').selectAll().orderBy('kind').orderBy('name');
  if (kind) q = q.where('kind', '=', kind);
  return (await q.execute()).map(templateOut);
}

export async function getTemplate(db: Database, id: string): Promise<TemplateOut> {
  const t = await db.selectFrom('recovery_templates').selectAll().where('id', '=', id).executeTakeFirst();
  if (!t) throw notFound('Template');
  return templateOut(t);
}

export async function saveTemplate(db: Database, t: { name: string; kind?: IncidentKind; subject?: string; body?: string; fromApologyId?: string }, userId: string): Promise<TemplateOut> {
  let { kind, subject, body } = t;
  let from: string | null = null;
  if (t.fromApologyId) {
    const a = await db
      .selectFrom('recovery_apologies as p')
      .innerJoin('recovery_incidents as i', 'i.id', 'p.incident_id')
      .innerJoin('customers as c', 'c.id', 'p.customer_id')
      .select(['p.id', 'p.subject', 'p.body', 'p.compensation', 'p.promo_code', 'i.kind', 'c.name'])
      .where('p.id', '=', t.fromApologyId)
      .executeTakeFirst();
    if (!a) throw notFound('Apology');
    const comp = (typeof a.compensation === 'string' ? JSON.parse(a.compensation) : a.compensation) as { kind: string; amountMinor?: number; currency?: string; percentOff?: number };
    kind ??= a.kind;
    subject ??= a.subject;
    body ??= templateFromApology(a.body, {
      firstName: a.name.split(/\s+/)[0] ?? '',
      code: a.promo_code,
      amountText: comp.amountMinor != null && comp.currency ? formatMoney(comp.amountMinor, comp.currency) : null,
      percent: comp.kind === 'promo' ? (comp.percentOff ?? null) : null,
    });
    from = a.id;
  }
  if (!kind || !subject || !body) throw badRequest('A template needs a kind, a subject and a text (or an apology to start from)', [{ field: 'body', message: 'is required' }]);
  const row = await db
    .insertInto('recovery_templates')
    .values({ name: t.name, kind, subject, body, from_apology_id: from, created_by: userId })
    .onConflict((oc) => oc.expression(sql`lower(name)`).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new HttpError(409, 'template_exists', `A template called "${t.name}" exists already`, [{ field: 'name', message: 'is taken' }]);
  return templateOut(row);
}

// ---- the public incident note ----

export async function publishNote(db: Database, incidentId: string, note: string, published: boolean) {
  const inc = await requireIncident(db, incidentId);
  if (published && !note.trim()) throw badRequest('Write the note before publishing it', [{ field: 'note', message: 'is empty' }]);
  const slug = inc.public_slug ?? randomBytes(12).toString('base64url');
  await db
    .updateTable('recovery_incidents')
    .set({ public_note: note, public_slug: slug, published_at: published ? (inc.published_at ?? new Date()) : null, updated_at: new Date() })
    .where('id', '=', incidentId)
    .execute();
  return requireIncident(db, incidentId);
}

export const SLUG = /^[A-Za-z0-9_-]{16}$/;

const pageStyle = `*{box-sizing:border-box}body{margin:0;background:#f6f7f9;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2433;line-height:1.55}
main{max-width:640px;margin:0 auto;padding:24px 16px}.card{background:#fff;border:1px solid #e4e7ec;border-radius:12px;padding:20px;overflow-wrap:anywhere}
h1{font-size:1.3rem;margin:0 0 8px}.muted{color:#667085;font-size:.9rem}.status{display:inline-block;border-radius:999px;padding:2px 10px;font-size:.8rem;background:#e3f4ea;color:#1a7f4b}
.status.open{background:#fff4e0;color:#9a5b00}`;

/** The public page: title, date, status and the owner's note, everything escaped; null when not published. */
export async function publicNotePage(db: Database, slug: string): Promise<string | null> {
  if (!SLUG.test(slug)) return null;
  const i = await db
    .selectFrom('recovery_incidents')
    .select(['title', 'happened_at', 'status', 'public_note', 'published_at', 'updated_at'])
    .where('public_slug', '=', slug)
    .where('published_at', 'is not', null)
    .executeTakeFirst();
  if (!i) return null;
  const ws = await getWorkspace(db);
  const day = (d: Date) => new Date(d).toISOString().slice(0, 10);
  const paragraphs = i.public_note
    .split(/\n{2,}/)
    .map((p) => `<p>${e(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(i.title)} — ${e(ws?.name ?? '')}</title><style>${pageStyle}</style></head>
<body><main><div class="card">
<p class="muted">${e(ws?.name ?? '')} · incident of ${e(day(i.happened_at))}</p>
<h1>${e(i.title)}</h1>
<p><span class="status ${i.status === 'open' ? 'open' : ''}">${i.status === 'open' ? 'We are working on it' : 'Resolved'}</span></p>
${paragraphs}
<p class="muted">Last updated ${e(day(i.updated_at))}.</p>
</div></main></body></html>`;
}

export const notFoundPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Not found</title><style>${pageStyle}</style></head><body><main><div class="card"><h1>There is no such note</h1><p>The link may be mistyped, or the note was taken down.</p></div></main></body></html>`;
