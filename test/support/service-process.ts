import { ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';

/**
 * The built service, as `npm run start:prod` runs it (jest's globalSetup builds it when stale).
 * CCS_SERVICE_MAIN points the child-process tests at another build (e.g. a deliberately broken one).
 */
export const MAIN = process.env.CCS_SERVICE_MAIN ?? join(__dirname, '..', '..', 'dist', 'main.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Everything the process wrote so far, both streams. */
  output(): string;
  exited: Promise<Exit>;
  /** Sends the signal and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/**
 * Runs `node dist/main.js` with exactly `env` (plus PATH and HOME), in `cwd` so no developer
 * `.env` of the checkout is read.
 */
export function runService(env: Record<string, string>, cwd: string): ServiceProcess {
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    output: () => `${out}${err}`,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Resolves with the exit, or rejects after `timeoutMs` (and kills the process). */
export async function exitWithin(service: ServiceProcess, timeoutMs = 20000): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      service.child.kill('SIGKILL');
      reject(new Error(`the service did not exit within ${timeoutMs} ms; output:\n${service.output()}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([service.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the output matches, failing early (with the output) if the process exits. */
export async function waitForOutput(service: ServiceProcess, pattern: RegExp, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(service.output())) {
    if (service.child.exitCode !== null || service.child.signalCode !== null) {
      throw new Error(`the service exited before printing ${pattern}; output:\n${service.output()}`);
    }
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${service.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Any HTTP answer from the port, or an error. */
function probe(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/health/live', method: 'GET', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.setTimeout(1000, () => req.destroy(new Error('probe timed out')));
    req.end();
  });
}

/** Waits until the service answers HTTP on `port`, failing early if it exits. */
export async function waitUntilAnswering(service: ServiceProcess, port: number, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (service.child.exitCode !== null || service.child.signalCode !== null) {
      throw new Error(`the service exited while starting; output:\n${service.output()}`);
    }
    try {
      await probe(port);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`no answer on port ${port} within ${timeoutMs} ms:\n${service.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

export interface Answer {
  status: number;
  body: string;
}

/**
 * POSTs `raw` on a fresh connection. `onStatus` runs synchronously as soon as the status line
 * has arrived (before the body is read): the place to `kill -9` the service "right after the 202".
 */
export function post(
  port: number,
  path: string,
  raw: string,
  headers: Record<string, string>,
  onStatus?: (status: number) => void,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(raw), ...headers },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (onStatus) {
          onStatus(status);
          res.resume();
          res.on('error', () => undefined);
          resolve({ status, body: '' });
          return;
        }
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(raw);
  });
}
