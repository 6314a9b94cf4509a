/**
 * `npm run test:ha`: the Redis failover runs (test/ha), against the built service: 200 signed
 * events/s while a Sentinel or Cluster master is killed, on redis-server / redis-sentinel processes
 * the tests start. About a minute each, so not in `npm test`; .ci/run runs them.
 */
const { run, builtProject } = require('./jest.base');

module.exports = { ...run, ...builtProject, roots: ['<rootDir>/test/ha'], testRegex: '.*\\.ha-spec\\.ts$' };
