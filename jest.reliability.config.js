/** `npm run test:reliability`: the reliability suite (test/reliability), against the built service. */
const base = require('./jest.config');

module.exports = { ...base, roots: ['<rootDir>/test/reliability'], testRegex: '.*\\.reliability-spec\\.ts$' };
