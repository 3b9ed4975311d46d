// One jest run for everything: a global setup starts the local two-broker Kafka cluster once (or uses the
// external one named by KAFKA_BOOTSTRAP_SERVERS) and tears down only what it started.
/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'broker', testMatch: ['<rootDir>/test/broker/**/*.test.ts'] },
    {
      ...common,
      displayName: 'stacks',
      testMatch: ['<rootDir>/test/stacks/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/stacks/setup.ts'],
    },
  ],
};
