/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testEnvironment: 'node',
  testTimeout: 30000,
  // Suites start servers, child processes and Redis clients; a straggling handle in any of them
  // must not keep CI waiting after the results are in.
  forceExit: true,
  globalSetup: '<rootDir>/test/support/global-setup.js',
};
