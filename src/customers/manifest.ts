import type { Feature } from '../platform/feature.js';

export const customersFeature: Feature = {
  name: 'customers',
  commands: async (program) => (await import('./customers.cli.js')).registerCustomerCommands(program),
  load: async () => {
    const { customerMigrations } = await import('./customers.migrations.js');
    const { customerRoutes, webhookSecret } = await import('./customers.routes.js');
    return {
      migrations: customerMigrations,
      routes: customerRoutes,
      onSecretRotated: async (_db, { current }) => `the orders webhook secret is now ${webhookSecret({ secret: current })}: put it into your shop's webhook settings`,
    };
  },
};
