const { run, project, builtProject } = require('./jest.base');

/**
 * Two projects: `unit`, the specs beside the code (src/**\/*.spec.ts, `npm run test:unit`, in
 * parallel workers, without the build), and `e2e`, the suites that start the application, services,
 * threads or child processes, or run the build (test/**\/*.e2e-spec.ts, `npm run test:e2e`, one at a
 * time). `npm test` runs both.
 * @type {import('jest').Config}
 */
module.exports = {
  ...run,
  projects: [
    { ...project, displayName: 'unit', roots: ['<rootDir>/src'], testRegex: '.*\\.spec\\.ts$' },
    { ...builtProject, displayName: 'e2e', roots: ['<rootDir>/test'], testRegex: '.*\\.e2e-spec\\.ts$' },
  ],
};
