// A process holding only the inbox's SMTP listener, for the crash test: opens the database named
// by the environment (a data folder or a PostgreSQL schema), listens on KEEPWELL_SMTP_PORT and
// tells its parent when it is ready. The parent kills it with SIGKILL mid-burst.
import { features } from '../../app/features.js';
import { createContext } from '../../platform/app.js';
import { loadConfig } from '../../platform/config.js';
import { openDatabase } from '../../platform/db/database.js';
import { installFeatures } from '../../platform/feature.js';
import { startSmtpListener } from '../smtp.listener.js';

installFeatures(features);
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const database = await openDatabase({ dataDir: process.env.KEEPWELL_DATA_DIR, databaseUrl: process.env.DATABASE_URL || undefined, schema: process.env.KEEPWELL_DB_SCHEMA || undefined });
const ctx = await createContext(config, database);
const listener = await startSmtpListener(ctx, { port: Number(process.env.KEEPWELL_SMTP_PORT ?? 0) });
process.send?.({ ready: true, port: listener.port });
