import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { QueueConfig } from '../config/queue.config';
import { EnqueueSignal } from './enqueue-signal';
import { EventStoreDriver } from './event-store-driver';
import { StoreUnavailableError } from './queue-errors';
import { SqliteEventStore } from './sqlite-event-store';
import { ThreadReply, ThreadRequest } from './sqlite-thread-protocol';

const THREAD_FILE = join(__dirname, `sqlite-store-thread${extname(__filename)}`);

/** Methods that stay on this side: listeners are functions, and shutdown ends the thread too. */
const LOCAL = new Set(['constructor', 'onEnqueued', 'onApplicationShutdown']);

/**
 * The thread allocates little (statement arguments, the rows it answers with), so a young
 * generation of 2 MiB instead of V8's 8 collects as often as it needs to at no measurable cost
 * (peak RSS of the open-loop run 2-5 MiB lower). Its old generation stays uncapped: a cap would
 * end the thread, and with it the store, instead of slowing it.
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 2 };

/**
 * Run from the TypeScript sources (the test suite), the thread runs the build of the same sources
 * (the suite's global setup rebuilds dist/ when src/ is newer), or else compiles them itself.
 */
function spawnThread(config: QueueConfig): Worker {
  const options = { workerData: config, resourceLimits: THREAD_LIMITS };
  if (!THREAD_FILE.endsWith('.ts')) return new Worker(THREAD_FILE, options);
  const built = join(__dirname, '..', '..', 'dist', 'queue', 'sqlite-store-thread.js');
  if (existsSync(built)) return new Worker(built, options);
  const source = `require('ts-node').register({ transpileOnly: true }); require(${JSON.stringify(THREAD_FILE)});`;
  return new Worker(source, { ...options, eval: true });
}

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

// Every method of SqliteEventStore is forwarded (assigned to the prototype below), so what the
// store gains, this gains too.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface ThreadedSqliteStore extends EventStoreDriver {}

/**
 * The SQLite driver as the application sees it: every port call is forwarded to the unchanged
 * SqliteEventStore running in a worker thread (sqlite-store-thread.ts), so its synchronous
 * statements and fsyncs never hold up the event loop that reads webhooks, and the commit work
 * runs on another core. The durability guarantee is the store's own: an enqueue resolves after
 * the thread's group commit is on disk.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class ThreadedSqliteStore implements OnApplicationShutdown {
  private readonly enqueued = new EnqueueSignal();
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private gone: Error | undefined;

  /** Calls of this event-loop turn, posted together (one structured clone, one wake-up of the thread). */
  private outbox: ThreadRequest[] = [];

  private constructor(private readonly thread: Worker) {
    thread.on('message', (replies: ThreadReply[]) => replies.forEach((reply) => this.receive(reply)));
    thread.on('error', (error) => this.end(error));
    thread.on('exit', (code) => this.end(new Error(`the store thread exited (${code})`)));
  }

  /** Starts the thread and resolves once the store in it has opened its file. */
  static start(config: QueueConfig): Promise<ThreadedSqliteStore> {
    const thread = spawnThread(config);
    // The store's log lines, from opening on, go to this application's logger.
    const logger = new Logger(SqliteEventStore.name);
    thread.on('message', (replies: ThreadReply[]) => {
      for (const reply of replies) {
        if (reply.kind === 'log') logger[reply.level](reply.message, reply.context ?? SqliteEventStore.name);
      }
    });
    return new Promise((resolve, reject) => {
      const opened = (replies: ThreadReply[]) => {
        const reply = replies.find(({ kind }) => kind !== 'log');
        if (reply === undefined) return;
        thread.off('message', opened);
        thread.off('error', reject);
        if (reply.kind === 'ready') resolve(new ThreadedSqliteStore(thread));
        else {
          void thread.terminate();
          reject(new Error(reply.kind === 'failed' ? reply.message : `unexpected ${reply.kind} from the store thread`));
        }
      };
      thread.on('message', opened);
      thread.once('error', reject);
    });
  }

  onEnqueued(listener: () => void): void {
    this.enqueued.listen(listener);
  }

  /** Last shutdown phase: the store flushes and closes its file, then the thread ends. */
  async onApplicationShutdown(): Promise<void> {
    if (this.gone) return;
    await this.call('onApplicationShutdown', []);
    await this.thread.terminate();
  }

  call(method: string, args: unknown[]): Promise<unknown> {
    if (this.gone) return Promise.reject(new StoreUnavailableError(this.gone));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (this.outbox.length === 0) setImmediate(() => this.post());
      this.outbox.push({ id, method, args });
    });
  }

  private post(): void {
    const requests = this.outbox;
    this.outbox = [];
    if (!this.gone) this.thread.postMessage(requests);
  }

  private receive(reply: ThreadReply): void {
    switch (reply.kind) {
      case 'enqueued':
        this.enqueued.notify();
        return;
      case 'result':
        this.settle(reply.id)?.resolve(reply.value);
        return;
      case 'error':
        this.settle(reply.id)?.reject(rebuildError(reply));
        return;
      default:
        return;
    }
  }

  private settle(id: number): Waiting | undefined {
    const waiting = this.waiting.get(id);
    this.waiting.delete(id);
    return waiting;
  }

  private end(error: Error): void {
    if (this.gone) return;
    this.gone = error;
    for (const { reject } of this.waiting.values()) reject(new StoreUnavailableError(error));
    this.waiting.clear();
  }
}

/** The thread's error as the store would have thrown it in this thread (same class and code). */
function rebuildError(reply: Extract<ThreadReply, { kind: 'error' }>): Error {
  if (reply.code === new StoreUnavailableError().code) {
    return new StoreUnavailableError(new Error(reply.causeMessage ?? reply.message));
  }
  return Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {});
}

for (const method of Object.getOwnPropertyNames(SqliteEventStore.prototype)) {
  if (LOCAL.has(method)) continue;
  // Writable and configurable like any class method (a test may spy on it).
  Object.defineProperty(ThreadedSqliteStore.prototype, method, {
    writable: true,
    configurable: true,
    value(this: ThreadedSqliteStore, ...args: unknown[]) {
      return this.call(method, args);
    },
  });
}
