import type { MigrationSet } from '../db/migrations.js';

export const jobMigrations: MigrationSet = {};
