import type { Feature } from '../platform/feature.js';

export const assistantFeature: Feature = {
  name: 'assistant',
  commands: async (program) => (await import('./assistant.cli.js')).registerAssistantCommands(program),
};
