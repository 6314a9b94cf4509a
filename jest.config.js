const { run, project } = require('./jest.base');

/**
 * Two projects: `unit`, the specs beside the code (src/**\/*.spec.ts, `npm run test:unit`, in
 * parallel workers), and `e2e`, the suites that start the application, services or child processes
 * (test/**\/*.e2e-spec.ts, `npm run test:e2e`, one at a time). `npm test` runs both.
 * @type {import('jest').Config}
 */
module.exports = {
  ...run,
  projects: [
    { ...project, displayName: 'unit', roots: ['<rootDir>/src'], testRegex: '.*\\.spec\\.ts$' },
    { ...project, displayName: 'e2e', roots: ['<rootDir>/test'], testRegex: '.*\\.e2e-spec\\.ts$' },
  ],
};
