/** Integration tests: `*.int-spec.ts` against the machine's real Kafka, PostgreSQL and Redis. */
module.exports = {
  ...require('./jest.preset'),
  testMatch: ['<rootDir>/{apps,libs,e2e,bench}/**/*.int-spec.ts'],
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
  testTimeout: 240000,
};
