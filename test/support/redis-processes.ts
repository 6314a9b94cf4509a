import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as connectTcp, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls, ConnectionOptions } from 'node:tls';
import { freePort } from './service-process';
import { waitFor } from './wait-for';

/** How a node is reached: plain TCP, or TLS with these options (CA, client certificate). */
export type Transport = { tls?: ConnectionOptions };

/** One redis-server or redis-sentinel process of a test, in its own process group and directory. */
export interface RedisNode {
  readonly name: string;
  readonly port: number;
  /** Its working directory: config file, AOF, log. */
  readonly dir: string;
  readonly pid: number;
  /** `kill -9` of its process group; resolves once it exited. */
  kill(): Promise<void>;
  /**
   * Starts it again on the same port and directory; `settings` replace those it was started with
   * (e.g. a killed master coming back as the new master's replica, as an orchestrator starts it).
   */
  restart(settings?: string[]): Promise<void>;
  /** SIGSTOP: the process stays, but answers nothing (a replica that stops acknowledging). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Whether it is running (started and not yet exited). */
  running(): boolean;
  /** The end of its log file, for failure messages. */
  logTail(lines?: number): string;
}

/** Which program runs the config file. */
type Program = 'redis-server' | 'redis-sentinel';

const live = new Set<ChildProcess>();
// jest's forceExit ends the process without afterAll when a test times out: never leave servers.
process.once('exit', () => {
  for (const child of live) killGroup(child);
});

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * A set of Redis processes started by one test: each on a free loopback port, each in its own
 * directory under one temporary root. `close()` kills every process group and deletes the root.
 */
export class RedisFleet {
  readonly root = mkdtempSync(join(tmpdir(), 'ccs-redis-'));
  private readonly nodes: ManagedNode[] = [];

  /**
   * A redis-server whose config file holds `settings` (one directive a line) besides port, bind,
   * dir and logfile. `port` (a reserved free port) is given when the settings name it already.
   */
  async server(name: string, settings: string[] = [], transport: Transport = {}, port?: number): Promise<RedisNode> {
    return this.start('redis-server', name, settings, transport, port);
  }

  /** A redis-sentinel with these settings (`sentinel monitor ...` and the like). */
  async sentinel(name: string, settings: string[]): Promise<RedisNode> {
    return this.start('redis-sentinel', name, settings, {});
  }

  /** Every node started, running or not. */
  all(): RedisNode[] {
    return [...this.nodes];
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill()));
    rmSync(this.root, { recursive: true, force: true });
  }

  private async start(
    program: Program,
    name: string,
    settings: string[],
    transport: Transport,
    port?: number,
  ): Promise<RedisNode> {
    // A port found free may be taken before the server binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      const chosen = port ?? (await freePort());
      const dir = join(this.root, `${name}-${chosen}`);
      mkdirSync(dir, { recursive: true });
      const node = new ManagedNode(program, name, chosen, dir, settings, transport);
      this.nodes.push(node);
      try {
        await node.restart();
        return node;
      } catch (error) {
        await node.kill();
        if (port !== undefined || attempt >= 3) throw error;
      }
    }
  }
}

class ManagedNode implements RedisNode {
  private child?: ChildProcess;
  private exited?: Promise<void>;

  constructor(
    private readonly program: Program,
    readonly name: string,
    readonly port: number,
    readonly dir: string,
    private settings: string[],
    private readonly transport: Transport,
  ) {
    this.writeConfig();
  }

  private writeConfig(): void {
    const listen = this.transport.tls ? [`port 0`, `tls-port ${this.port}`] : [`port ${this.port}`];
    const base = ['bind 127.0.0.1', ...listen, `dir ${this.dir}`, `logfile ${join(this.dir, 'log')}`];
    writeFileSync(this.configFile, `${[...base, ...this.settings].join('\n')}\n`);
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  private get configFile(): string {
    return join(this.dir, `${this.program}.conf`);
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async restart(settings?: string[]): Promise<void> {
    if (this.running()) throw new Error(`${this.name} is already running`);
    if (settings) {
      this.settings = settings;
      this.writeConfig();
    }
    // Own process group (detached): kill -9 reaches it and nothing it started, never the test.
    const child = spawn(this.program, [this.configFile], { detached: true, stdio: 'ignore' });
    live.add(child);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => live.delete(child));
    try {
      await waitFor(
        async () => {
          if (!this.running()) throw new Error(`${this.name} exited:\n${this.logTail()}`);
          // A node with a password answers NOAUTH: up all the same.
          return /^(\+PONG|-NOAUTH)/.test(await ping(this.port, this.transport));
        },
        { what: `${this.name} on port ${this.port} answers PING`, timeoutMs: 20000 },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.logTail()}`);
    }
  }

  pause(): void {
    process.kill(this.pid, 'SIGSTOP');
  }

  resume(): void {
    process.kill(this.pid, 'SIGCONT');
  }

  async kill(): Promise<void> {
    if (!this.child || !this.running()) return;
    killGroup(this.child);
    await this.exited;
  }

  logTail(lines = 20): string {
    const file = join(this.dir, 'log');
    if (!existsSync(file)) return `(${this.name}: no log yet)`;
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }
}

/** The first line a node answers to PING (+PONG, -LOADING ..., -NOAUTH ...), or throws. */
export function ping(port: number, transport: Transport = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = transport.tls
      ? connectTls({ host: '127.0.0.1', port, ...transport.tls })
      : connectTcp({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('PING timed out')));
    socket.once(transport.tls ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      const end = answer.indexOf('\r\n');
      if (end < 0) return;
      socket.destroy();
      resolve(answer.slice(0, end));
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('connection closed before an answer')));
  });
}
