import type { Feature } from '../platform/feature.js';
import { registerCustomerCommands } from './customers.cli.js';
import { customerMigrations } from './customers.migrations.js';
import { customerRoutes } from './customers.routes.js';

export const customersFeature: Feature = {
  name: 'customers',
  migrations: customerMigrations,
  routes: customerRoutes,
  commands: registerCustomerCommands,
};
