/** Unit tests: `*.spec.ts` beside the code, no I/O. */
module.exports = {
  ...require('./jest.preset'),
  testMatch: ['<rootDir>/{apps,libs,e2e,scripts,bench}/**/*.spec.ts'],
};
