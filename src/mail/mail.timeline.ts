// What mail writes on the timeline (contributed to customers' `timelineSources`).
import type { TimelineSourceDef } from '../customers/index.js';

export const mailTimelineSources: TimelineSourceDef[] = [
  { prefix: 'unsubscribe', label: 'Unsubscribe link' },
  { prefix: 'mail', label: 'Email' },
];
