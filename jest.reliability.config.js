/** `npm run test:reliability`: the reliability suite (test/reliability), against the built service. */
const { run, builtProject } = require('./jest.base');

module.exports = {
  ...run,
  ...builtProject,
  roots: ['<rootDir>/test/reliability'],
  testRegex: '.*\\.reliability-spec\\.ts$',
};
