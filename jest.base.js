/** What every Jest configuration of this project shares (jest.config.js, jest.reliability.config.js). */

/** Options of a run (Jest reads them from the top level only). */
const run = {
  // Generous: the suites start services and wait for conditions on a loaded 2-core machine.
  testTimeout: 120000,
  // Suites start servers, child processes and Redis clients; a straggling handle in any of them
  // must not keep CI waiting after the results are in.
  forceExit: true,
};

/** Options of a project: how its files are found and compiled. */
const project = {
  rootDir: __dirname,
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testEnvironment: 'node',
};

/**
 * A project whose suites run the build (the store thread, the service as a child process) or Redis:
 * dist/ is rebuilt first when src/ is newer, and Redis is looked for. The unit specs need neither,
 * so an edit under src/ does not make `npm run test:unit` wait for a build.
 */
const builtProject = { ...project, globalSetup: '<rootDir>/test/support/global-setup.js' };

module.exports = { run, project, builtProject };
