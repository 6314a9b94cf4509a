/** `npm run test:reliability`: the reliability suite (test/reliability), against the built service. */
const { run, project } = require('./jest.base');

module.exports = {
  ...run,
  ...project,
  roots: ['<rootDir>/test/reliability'],
  testRegex: '.*\\.reliability-spec\\.ts$',
};
