// Adds this feature's part of the demo business, after customers and orders are in.
import type { DemoSeedContext } from '../platform/feature.js';

export async function seedAnalyticsDemo(demo: DemoSeedContext): Promise<void> {
  void demo;
}
