import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cognigySignature, keyedDialog } from './support/signing';
import {
  call,
  exitWithin,
  freePort,
  MAIN,
  runCommand,
  runService,
  ServiceProcess,
  serviceEnv,
  startService,
} from './support/service-process';
import { waitFor } from './support/wait-for';

/**
 * The built service (dist/main.js) against senders that hold connections open (SIGTERM),
 * log lines carrying request headers, and an unusable DATA_DIR at startup.
 */

const SECRET = 'slow-clients-secret';
const DIALOG = '/webhooks/cognigy/dialog-complete';

/**
 * runService, except that root loses the capabilities that let it write (and read) whatever a
 * file's mode says (setpriv drops them from the child's bounding set): the mode of DATA_DIR then
 * applies to the service as it does to any other user. It stays root otherwise, so it reads the
 * build and node_modules wherever the checkout is (a 0700 home directory included).
 */
function runWithoutWritingAnywhere(env: Record<string, string>, cwd: string): ServiceProcess {
  if (process.getuid?.() !== 0) return runService(env, cwd);
  const setpriv = ['--bounding-set=-dac_override,-dac_read_search', '--', process.execPath, MAIN];
  return runCommand('setpriv', setpriv, env, cwd);
}

describe('slow clients, logged headers, DATA_DIR (built service)', () => {
  let root: string;
  const running: ServiceProcess[] = [];
  const sockets: Socket[] = [];

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ccs-slow-'));
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(running.splice(0).map((service) => service.stop('SIGKILL')));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const open = (port: number) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket)).once('error', reject);
      socket.on('error', () => undefined);
      sockets.push(socket);
    });

  it('SIGTERM with 20 half-sent requests and idle keep-alive connections open: exit 0, every connection closed', async () => {
    const port = await freePort();
    const service = await startService(
      serviceEnv(port, join(root, 'shutdown'), {
        COGNIGY_WEBHOOK_SECRETS: SECRET,
        CRM_SANDBOX_PORT: '0',
        SHUTDOWN_GRACE_MS: '500',
        // Not what frees these connections: its answer (a 408) would show on them.
        WEBHOOK_BODY_TIMEOUT_MS: '120000',
      }),
      root,
      running,
    );
    /** Each socket's bytes from the service, and a promise of its close. */
    const watched = (socket: Socket) => {
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      return { received: () => received, closed };
    };
    const raw = JSON.stringify(keyedDialog('slow'));
    const halfSent = (await Promise.all(Array.from({ length: 20 }, () => open(port)))).map((socket) => {
      socket.write(
        `POST ${DIALOG} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${raw.length}\r\n` +
          `X-Cognigy-Signature: ${cognigySignature(SECRET, raw)}\r\n\r\n${raw.slice(0, 10)}`,
      );
      return watched(socket);
    });
    const idle = (await Promise.all(Array.from({ length: 5 }, () => open(port)))).map((socket) => {
      socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
      return watched(socket);
    });
    // Idle: answered, the connection kept open.
    await waitFor(() => idle.every(({ received }) => /\r\n\r\n/.test(received())) || undefined, {
      timeoutMs: 60_000,
      what: 'the keep-alive answers',
    });

    service.child.kill('SIGTERM');
    expect(await exitWithin(service)).toEqual({ code: 0, signal: null });
    await Promise.all([...halfSent, ...idle].map(({ closed }) => closed));
    // Closed by the shutdown: the request timeout and the body deadline would have answered 408 first.
    expect(halfSent.map(({ received }) => received()).filter((text) => text.startsWith('HTTP/1.1 408'))).toEqual([]);
    for (const { received } of idle) expect(received()).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('logs request headers from an allowlist only: no unknown header, no oversized value', async () => {
    const port = await freePort();
    await startService(
      serviceEnv(port, join(root, 'logs'), {
        COGNIGY_WEBHOOK_SECRETS: SECRET,
        CRM_SANDBOX_PORT: '0',
        LOG_FORMAT: 'json',
      }),
      root,
      running,
    );
    const service = running[running.length - 1];
    const leaked = 'key-in-a-custom-header-6f1c9a';
    const raw = JSON.stringify(keyedDialog('logged'));
    const answer = await call(port, 'POST', DIALOG, {
      raw,
      headers: {
        'x-cognigy-signature': cognigySignature(SECRET, raw),
        'x-my-api-key': leaked,
        'x-padding': 'p'.repeat(15_000),
        'user-agent': 'cognigy-flow/1.0',
        'x-request-id': 'req-logged-1',
      },
    });
    expect(answer.status).toBe(202);
    const line = await waitFor(
      () =>
        service
          .stdout()
          .split('\n')
          .find((l) => l.includes('req-logged-1') && l.includes('"statusCode":202')),
      { timeoutMs: 15000, what: 'the access line' },
    );
    expect(line).toContain('cognigy-flow/1.0');
    expect(service.output()).not.toContain(leaked);
    expect(service.output()).not.toContain('p'.repeat(300));
    expect(service.output()).not.toContain('x-cognigy-signature');
    expect(line.length).toBeLessThan(4000);
  });

  describe('an unusable DATA_DIR stops startup naming the path and the cause', () => {
    it('missing and impossible to create (a file stands in the way)', async () => {
      const blocker = join(root, 'not-a-directory');
      writeFileSync(blocker, '');
      const dataDir = join(blocker, 'data');
      const service = runService(serviceEnv(0, dataDir, { COGNIGY_WEBHOOK_SECRETS: SECRET }), root);
      running.push(service);
      const exit = await exitWithin(service);
      expect(exit.code).toBe(1);
      expect(service.stderr()).toContain(`DATA_DIR ${dataDir} does not exist and cannot be created`);
      expect(service.stderr()).toMatch(/ENOTDIR/);
      expect(service.stderr()).not.toContain('unable to open database file');
    });

    it.each([
      ['with COGNIGY_WEBHOOK_SECRETS set', { COGNIGY_WEBHOOK_SECRETS: SECRET }],
      ['with the development secret to create there', {}],
    ])('read-only, %s', async (_, env: Record<string, string>) => {
      const dataDir = join(root, `read-only-${Object.keys(env).length}`);
      mkdirSync(dataDir);
      chmodSync(dataDir, 0o555);
      const service = runWithoutWritingAnywhere(serviceEnv(0, dataDir, env), root);
      running.push(service);
      const exit = await exitWithin(service);
      expect(exit.code).toBe(1);
      expect(service.stderr()).toContain(`DATA_DIR ${dataDir} is not writable`);
      expect(service.stderr()).toMatch(/EACCES/);
    });
  });
});
