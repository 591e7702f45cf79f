// The audit log: who did what, when. Sign-ins, settings changes, exports and erasures.
import type { FastifyRequest } from 'fastify';
import type { Database } from '../platform/db/database.js';

export async function audit(db: Database, req: Pick<FastifyRequest, 'user' | 'ip'> | null, action: string, target: string | null = null, details: Record<string, unknown> = {}): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor_user_id: req?.user?.id ?? null,
      actor_email: req?.user?.email ?? (typeof details.email === 'string' ? details.email : null),
      action,
      target,
      details: JSON.stringify(details),
      ip: req?.ip ?? null,
    })
    .execute();
}
