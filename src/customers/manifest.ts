import type { Feature } from '../platform/feature.js';

export const customersFeature: Feature = {
  name: 'customers',
  commands: async (program) => (await import('./customers.cli.js')).registerCustomerCommands(program),
  load: async () => {
    const { customerMigrations } = await import('./customers.migrations.js');
    const { customerRoutes, webhookSecret } = await import('./customers.routes.js');
    const { importMigrations } = await import('./import/import.migrations.js');
    const { importRoutes } = await import('./import/import.routes.js');
    const { IMPORT_JOB, runImportJob } = await import('./import/import.jobs.js');
    const { customerTimelineSources } = await import('./customers.timeline.js');
    const { startDeferredIndexBuilds } = await import('./import/deferred-indexes.js');
    return {
      migrations: { ...customerMigrations, ...importMigrations },
      routes: async (app, ctx) => {
        await customerRoutes(app, ctx);
        await importRoutes(app, ctx);
      },
      jobs: { [IMPORT_JOB]: runImportJob },
      contributes: { timelineSources: customerTimelineSources },
      // indexes a first import stopped part-way left unbuilt (deferred-indexes.ts)
      background: startDeferredIndexBuilds,
      onSecretRotated: async (_db, { current }) => `the orders webhook secret is now ${webhookSecret({ secret: current })}: put it into your shop's webhook settings`,
    };
  },
};
