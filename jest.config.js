// One jest run, four projects. Only the broker project has a global setup: it starts the local two-broker Kafka
// once (or uses the external one named by KAFKA_BOOTSTRAP_SERVERS) and tears down only what it started. Jest runs a
// project's global setup only when at least one of its tests is selected, so `npm run test:unit` starts no broker.
/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
module.exports = {
  maxWorkers: 2,
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'broker',
      testMatch: ['<rootDir>/test/broker/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // The package as users install it (npm pack, npm install --global --prefix) and the GitHub Action's own steps,
    // on a copy of the repository that its `npm ci` builds: no broker.
    { ...common, displayName: 'package', testMatch: ['<rootDir>/test/package/**/*.test.ts'] },
    {
      ...common,
      displayName: 'stacks',
      testMatch: ['<rootDir>/test/stacks/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/stacks/setup.ts'],
    },
  ],
};
