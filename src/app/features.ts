// The one list of features. Server, worker, migrator, CLI, demo seeder and tests take it from
// here (`installFeatures(features)`); a new area is added by writing its folder and one line below.
// Order matters where features build on each other: routes register, migrations are listed and
// demo data is seeded in this order.
import { accountsFeature } from '../accounts/manifest.js';
import { analyticsFeature } from '../analytics/manifest.js';
import { assistantFeature } from '../assistant/manifest.js';
import { customersFeature } from '../customers/manifest.js';
import { inboxFeature } from '../inbox/manifest.js';
import { loyaltyFeature } from '../loyalty/manifest.js';
import { mailFeature } from '../mail/manifest.js';
import { platformFeature } from '../platform/core.feature.js';
import type { Feature } from '../platform/feature.js';
import { playbooksFeature } from '../playbooks/manifest.js';
import { recoveryFeature } from '../recovery/manifest.js';
import { surveysFeature } from '../surveys/manifest.js';
import { tasksFeature } from '../tasks/manifest.js';
import { workspaceFeature } from '../workspace/manifest.js';

export const features: readonly Feature[] = [
  platformFeature,
  accountsFeature,
  workspaceFeature,
  mailFeature,
  customersFeature,
  tasksFeature,
  analyticsFeature,
  playbooksFeature,
  surveysFeature,
  assistantFeature,
  inboxFeature,
  loyaltyFeature,
  recoveryFeature,
];
