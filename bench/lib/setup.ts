// Loaded before every benchmark (bin/run-bench.js): the benchmarks run with the real feature list.
import { features } from '../../src/app/features.js';
import { installFeatures, loadFeatures } from '../../src/platform/feature.js';

installFeatures(features);
await loadFeatures();
