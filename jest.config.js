/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testEnvironment: 'node',
  // Generous: the suites start services and wait for conditions on a loaded 2-core machine.
  testTimeout: 120000,
  // Suites start servers, child processes and Redis clients; a straggling handle in any of them
  // must not keep CI waiting after the results are in.
  forceExit: true,
  globalSetup: '<rootDir>/test/support/global-setup.js',
};
