// Adds this feature's part of the demo business, after customers and orders are in.
import type { DemoSeedContext } from '../demo/seed.js';

export async function seedSurveyDemo(demo: DemoSeedContext): Promise<void> {
  void demo;
}
