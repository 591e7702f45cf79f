import type { Feature } from '../platform/feature.js';
import { registerAssistantCommands } from './assistant.cli.js';

export const assistantFeature: Feature = {
  name: 'assistant',
  commands: registerAssistantCommands,
};
