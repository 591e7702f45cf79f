import type { MigrationSet } from '../platform/db/migrations.js';

export const playbookMigrations: MigrationSet = {};
