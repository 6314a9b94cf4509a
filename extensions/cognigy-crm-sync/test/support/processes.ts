import { ChildProcess, spawn } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { request } from 'http';
import { AddressInfo, createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';

/**
 * The real service (the repository's `dist/main.js`, built by the root `npm run build`) and its
 * standalone CRM sandbox, as child processes on loopback ports, for the node to talk to.
 */

export const REPO_ROOT = join(__dirname, '..', '..', '..', '..', '..');
const SERVICE_MAIN = process.env.CCS_SERVICE_MAIN ?? join(REPO_ROOT, 'dist', 'main.js');
const SANDBOX_MAIN = join(REPO_ROOT, 'dist', 'dev', 'sandbox', 'sandbox-main.js');

export interface Running {
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function run(script: string, args: string[], env: Record<string, string>, cwd: string): Running {
  const child = spawn(process.execPath, [script, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `check` until it holds, failing with `what` (and the output) after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface Sandbox {
  url: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  process: Running;
}

/** The service's CRM sandbox on a free port; its first output line says where and with which client. */
export async function startSandbox(cwd: string): Promise<Sandbox> {
  const sandbox = run(SANDBOX_MAIN, ['0'], {}, cwd);
  await waitFor('the sandbox to print its settings', () => sandbox.output().includes('\n'));
  const settings = JSON.parse(sandbox.output().split('\n')[0]) as Omit<Sandbox, 'process'>;
  return { ...settings, process: sandbox };
}

export interface Service {
  port: number;
  url: string;
  dataDir: string;
  process: Running;
}

/** `node dist/main.js` in development mode against `sandbox`, answering on `port` before it resolves. */
export async function startService(
  sandbox: Sandbox,
  env: Record<string, string>,
  at: { port?: number; dataDir?: string } = {},
): Promise<Service> {
  const port = at.port ?? (await freePort());
  const dataDir = at.dataDir ?? mkdtempSync(join(tmpdir(), 'ccs-extension-'));
  const service = run(
    SERVICE_MAIN,
    [],
    {
      NODE_ENV: 'development',
      LOG_FORMAT: 'json',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CRM_BASE_URL: sandbox.url,
      CRM_TOKEN_URL: sandbox.tokenUrl,
      CRM_CLIENT_ID: sandbox.clientId,
      CRM_CLIENT_SECRET: sandbox.clientSecret,
      CRM_RETRY_BASE_MS: '10',
      CRM_RETRY_MAX_MS: '40',
      ...env,
    },
    dataDir,
  );
  try {
    await waitFor(`the service on port ${port}`, async () => {
      if (service.child.exitCode !== null) throw new Error(`the service exited:\n${service.output()}`);
      return (await get(`http://127.0.0.1:${port}/health/live`).catch(() => undefined)) !== undefined;
    });
  } catch (error) {
    await service.stop();
    throw error;
  }
  return { port, url: `http://127.0.0.1:${port}`, dataDir, process: service };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface Reply {
  status: number;
  body: string;
}

export function get(url: string): Promise<Reply> {
  return send('GET', url);
}

export function send(method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const extra =
      body === undefined
        ? {}
        : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    const req = request(url, { method, agent: false, headers: { ...extra, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${url}: no answer`)));
    req.end(body);
  });
}

/** The records the sandbox CRM holds, by collection. */
export async function crmRecords(sandbox: Sandbox): Promise<Record<string, Array<Record<string, unknown>>>> {
  return JSON.parse((await get(`${sandbox.url}/_sandbox/records`)).body) as Record<
    string,
    Array<Record<string, unknown>>
  >;
}
