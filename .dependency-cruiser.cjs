// The feature contract, checked in `npm test` (test/architecture.test.ts):
// - no import cycles;
// - the platform (base layer) imports no feature;
// - a feature reaches another only through its index.ts (tests may also use its testing/ folder);
//   only src/app lists the manifests.
const features = '(accounts|analytics|assistant|customers|inbox|loyalty|mail|playbooks|recovery|surveys|tasks|workspace)';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Import cycles make start-up order fragile; split the module or go through an event.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'platform-knows-no-feature',
      severity: 'error',
      comment: 'src/platform is the base layer: features plug into it through their manifests (src/app/features.ts).',
      from: { path: '^src/platform/', pathNot: '\\.test\\.ts$' },
      to: { path: `^src/(${features.slice(1, -1)}|app|cli|demo)/` },
    },
    {
      name: 'features-meet-through-index',
      severity: 'error',
      comment: "Another feature's internals are its own: import its index.ts (or, from a test, its testing/ folder).",
      from: { path: `^src/${features}/` },
      to: { path: `^src/${features}/`, pathNot: ['^src/$1/', `^src/${features}/index\\.ts$`, `^src/${features}/testing/`] },
    },
    {
      name: 'only-tests-use-testing-helpers',
      severity: 'error',
      from: { path: `^src/${features}/`, pathNot: ['\\.test\\.ts$', '/testing/'] },
      to: { path: `^src/${features}/testing/`, pathNot: ['^src/$1/'] },
    },
    {
      name: 'manifests-are-light',
      severity: 'error',
      comment: "A manifest imports its feature's modules inside load() or an action (await import), so keepwell --help and a report on a file do not load them (src/platform/feature.ts).",
      from: { path: `^src/(${features.slice(1, -1)}|platform)/(manifest|core\\.feature)\\.ts$` },
      to: { path: '^src/', pathNot: '^src/platform/feature\\.ts$', dependencyTypesNot: ['type-only', 'dynamic-import'] },
    },
    {
      name: 'manifests-only-from-app',
      severity: 'error',
      comment: 'Manifests are listed in src/app/features.ts and nowhere else.',
      from: { pathNot: '^src/app/' },
      to: { path: `^src/${features}/manifest\\.ts$` },
    },
    {
      name: 'app-layers-reach-features-by-index',
      severity: 'error',
      comment: 'The CLI and the demo seeder use features through their index.ts like any other caller.',
      from: { path: '^src/(cli|demo)/' },
      to: { path: `^src/${features}/`, pathNot: [`^src/${features}/index\\.ts$`] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^src/.*\\.d\\.ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
