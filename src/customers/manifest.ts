import type { Feature } from '../platform/feature.js';

export const customersFeature: Feature = {
  name: 'customers',
  commands: async (program) => (await import('./customers.cli.js')).registerCustomerCommands(program),
  load: async () => {
    const { customerMigrations } = await import('./customers.migrations.js');
    const { customerRoutes } = await import('./customers.routes.js');
    return { migrations: customerMigrations, routes: customerRoutes };
  },
};
