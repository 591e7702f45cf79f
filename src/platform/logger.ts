import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';

/** Structured JSON logs to stdout (pipe through `pino-pretty` to read them by eye). */
export function createLogger(level: string): FastifyBaseLogger {
  return pino({ level }) as unknown as FastifyBaseLogger;
}
