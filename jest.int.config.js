/** Integration tests: `*.int-spec.ts` against the machine's real Kafka, PostgreSQL and Redis. */
module.exports = {
  ...require('./jest.preset'),
  testMatch: ['<rootDir>/{apps,libs,scripts,bench}/**/*.int-spec.ts'],
  globalSetup: '<rootDir>/libs/testing/src/global-setup.js',
  testTimeout: 180000,
};
