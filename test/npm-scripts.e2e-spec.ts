import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  exitWithin,
  freePort,
  runCommand,
  serviceEnv,
  ServiceProcess,
  waitUntilAnswering,
} from './support/service-process';
import { waitFor } from './support/wait-for';

/**
 * The developer scripts: `npm start` passes SIGTERM and SIGINT through to the service (npm runs a
 * script under `sh -c`, which would otherwise keep the signal for itself and leave the service
 * running), and scripts/ensure-build.js rebuilds only when a source changed after the last build.
 */

const ROOT = join(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ensureBuild = require('../scripts/ensure-build') as {
  needsBuild(dir: string): boolean;
  beginBuild(dir: string): void;
  endBuild(dir: string): void;
};

/** Resolves once nothing accepts connections on `port` any more. */
async function portClosed(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('npm start', () => {
  const running: ServiceProcess[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s sent to the npm process stops the service it started',
    async (signal) => {
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), 'ccs-npm-start-'));
      dirs.push(dataDir);
      const env = serviceEnv(port, dataDir, { CRM_SANDBOX_PORT: '0', LOG_LEVEL: 'warn' });
      const npm = runCommand('npm', ['start', '--silent'], env, ROOT);
      running.push(npm);
      await waitUntilAnswering(npm, port, 120000);

      npm.child.kill(signal);
      const exit = await exitWithin(npm, 30000);
      expect(exit.code).toBe(0);
      // npm has exited; the service it ran must be gone too, not orphaned and still listening.
      await waitFor(() => portClosed(port), { timeoutMs: 15000, what: `nothing listening on ${port}` });
    },
    180000,
  );
});

describe('scripts/ensure-build.js', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-ensure-build-'));
    mkdirSync(join(dir, 'src', 'webhook'), { recursive: true });
    writeFileSync(join(dir, 'src', 'main.ts'), 'main');
    writeFileSync(join(dir, 'src', 'webhook', 'webhook.controller.ts'), 'controller');
    writeFileSync(join(dir, 'src', 'webhook', 'webhook.controller.spec.ts'), 'spec');
    writeFileSync(join(dir, 'tsconfig.json'), '{}');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A build as `npm run build` makes it: begin, emit dist/main.js, end; `secondsAgo` dates it. */
  const build = (secondsAgo: number) => {
    ensureBuild.beginBuild(dir);
    writeFileSync(join(dir, 'dist', 'main.js'), 'built');
    const began = (Date.now() - secondsAgo * 1000) / 1000;
    writeFileSync(join(dir, 'dist', '.build-began'), String(began * 1000));
    ensureBuild.endBuild(dir);
  };
  const age = (path: string, secondsAgo: number) => {
    const at = (Date.now() - secondsAgo * 1000) / 1000;
    utimesSync(join(dir, path), at, at);
  };

  it('builds when dist/ was never built', () => {
    expect(ensureBuild.needsBuild(dir)).toBe(true);
  });

  it('does not rebuild after an incremental build that left dist/main.js untouched', () => {
    for (const file of ['src/main.ts', 'src/webhook/webhook.controller.ts', 'tsconfig.json']) age(file, 120);
    build(60);
    age('dist/main.js', 600); // an incremental build does not rewrite unchanged outputs
    expect(ensureBuild.needsBuild(dir)).toBe(false);
  });

  it('rebuilds when a source, or the build configuration, changed after the build began', () => {
    for (const file of ['src/main.ts', 'src/webhook/webhook.controller.ts', 'tsconfig.json']) age(file, 120);
    build(60);
    age('src/webhook/webhook.controller.ts', 30);
    expect(ensureBuild.needsBuild(dir)).toBe(true);
    age('src/webhook/webhook.controller.ts', 120);
    age('tsconfig.json', 30);
    expect(ensureBuild.needsBuild(dir)).toBe(true);
  });

  it('ignores unit specs (they are not part of the build)', () => {
    for (const file of ['src/main.ts', 'src/webhook/webhook.controller.ts', 'tsconfig.json']) age(file, 120);
    build(60);
    age('src/webhook/webhook.controller.spec.ts', 1);
    expect(ensureBuild.needsBuild(dir)).toBe(false);
  });

  it('leaves a failed build unstamped: the next start builds again', () => {
    for (const file of ['src/main.ts', 'src/webhook/webhook.controller.ts', 'tsconfig.json']) age(file, 120);
    build(60);
    age('src/main.ts', 30);
    ensureBuild.beginBuild(dir); // the build began, then failed: npm never ran postbuild
    expect(ensureBuild.needsBuild(dir)).toBe(true);
  });

  it('the real checkout needs no build right after `npm run build`', () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    expect(ensureBuild.needsBuild(ROOT)).toBe(false);
  }, 300000);
});
