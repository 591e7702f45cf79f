import type { Feature } from '../platform/feature.js';

export const assistantFeature: Feature = {
  name: 'assistant',
  commands: async (program) => (await import('./assistant.cli.js')).registerAssistantCommands(program),
  load: async () => {
    const { assistantMigrations } = await import('./assistant.migrations.js');
    const { assistantRoutes } = await import('./assistant.routes.js');
    const { seedAssistantDemo } = await import('./assistant.demo.js');
    return { migrations: assistantMigrations, routes: assistantRoutes, demo: seedAssistantDemo };
  },
};
