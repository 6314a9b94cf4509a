import { ChildProcess, spawn } from 'node:child_process';
import { IncomingHttpHeaders, request } from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { FIXTURE_RECORD_STATE_TTL } from './fixture-times';

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
 * The settings of a service on 127.0.0.1:`port` in development mode, its store in `dataDir`, logging
 * JSON lines (tests read them), a record-state window the fixtures' fixed event times fit in
 * (FIXTURE_RECORD_STATE_TTL); `env` adds the test's own settings or replaces any of these.
 */
export function serviceEnv(port: number, dataDir: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'development',
    LOG_FORMAT: 'json',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    RECORD_STATE_TTL_SECONDS: FIXTURE_RECORD_STATE_TTL,
    ...env,
  };
}

/**
 * Runs `node dist/main.js` with exactly `env` (plus PATH and HOME), in `cwd` so no developer
 * `.env` of the checkout is read.
 */
export function runService(env: Record<string, string>, cwd: string): ServiceProcess {
  return runCommand(process.execPath, [MAIN], env, cwd);
}

/** Runs `command` as runService runs the service: exactly `env` (plus PATH and HOME), output kept. */
export function runCommand(command: string, args: string[], env: Record<string, string>, cwd: string): ServiceProcess {
  const child = spawn(command, args, {
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

/**
 * runService, then waits until the service answers on `env.PORT`. It is pushed onto `running`
 * first, so the suite's cleanup stops it even when it never answers.
 */
export async function startService(
  env: Record<string, string>,
  cwd: string,
  running: ServiceProcess[],
): Promise<ServiceProcess> {
  const service = runService(env, cwd);
  running.push(service);
  await waitUntilAnswering(service, Number(env.PORT));
  return service;
}

/** Resolves with the exit, or rejects after `timeoutMs` (and kills the process). */
export async function exitWithin(service: ServiceProcess, timeoutMs = 60000): Promise<Exit> {
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
export async function waitForOutput(service: ServiceProcess, pattern: RegExp, timeoutMs = 60000): Promise<void> {
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
export async function waitUntilAnswering(service: ServiceProcess, port: number, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (service.child.exitCode !== null || service.child.signalCode !== null) {
      throw new Error(`the service exited while starting; output:\n${service.output()}`);
    }
    try {
      await probe(port);
      return;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`no answer on port ${port} within ${timeoutMs} ms:\n${service.output()}`);
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

export interface Reply extends Answer {
  headers: IncomingHttpHeaders;
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** A JSON body, sent as-is (with its content-type and content-length). */
  raw?: string;
  /** Aborts a request unanswered after this long (no limit unless given). */
  timeoutMs?: number;
  /** The loopback address to send from (the service tells clients apart by address). */
  localAddress?: string;
}

/** Any request to 127.0.0.1:`port` on a fresh connection; resolves with the whole answer. */
export function call(
  port: number,
  method: string,
  path: string,
  { headers = {}, raw, timeoutMs, localAddress }: CallOptions = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const extra: Record<string, string | number> =
      raw === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(raw) };
    const req = request(
      { host: '127.0.0.1', port, path, method, agent: false, localAddress, headers: { ...extra, ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (timeoutMs !== undefined) req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.end(raw);
  });
}
