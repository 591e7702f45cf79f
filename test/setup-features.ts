// Every test file runs with the real feature list, as the server does (vitest setupFiles).
import { features } from '../src/app/features.js';
import { installFeatures, loadFeatures } from '../src/platform/feature.js';

installFeatures(features);
await loadFeatures();
