// What every edge (route, job, CLI command, subscriber) receives: plain values, passed explicitly.
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { EventBus } from './events/events.service.js';

export interface AppContext {
  db: Database;
  config: Config;
  log: FastifyBaseLogger;
  /** the clock; tests pass a fixed or simulated one */
  now(): Date;
  /** secret for signed links (unsubscribe, surveys, webhooks); kept in the database */
  secret: string;
  /** records events in the caller's transaction: `ctx.events.emit(trx, type, payload)` */
  events: EventBus;
}
