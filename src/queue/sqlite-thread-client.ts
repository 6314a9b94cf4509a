import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { QueueConfig } from '../config/queue.config';
import { EnqueueSignal } from './enqueue-signal';
import { StoreUnavailableError } from './queue-errors';
import { StoreAnswer, StoreRequest, ThreadCall, ThreadReply } from './sqlite-thread-protocol';

/**
 * The thread runs the build of sqlite-store-thread.ts: one file, dist/queue/sqlite-store-thread.js,
 * whether this module is loaded from dist/queue/ or from its source in src/queue/ (a worker thread
 * runs JavaScript only).
 */
const THREAD_FILE = resolve(__dirname, '..', '..', 'dist', 'queue', 'sqlite-store-thread.js');

/** The context of the store's log lines (the thread's logger sends none). */
const LOG_CONTEXT = 'SqliteEventStore';

/**
 * The thread allocates little (statement arguments, the rows it answers with), so a young
 * generation of 2 MiB instead of V8's 8 is enough (docs/benchmarks.md). Its old generation stays
 * uncapped: a cap would end the thread, and with it the store, instead of slowing it.
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 2 };

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The main thread's end of the store thread: typed requests out (those of one event-loop turn in
 * one message), their replies matched back by id, the thread's log lines to this application's
 * logger and its "new events committed" signal to the worker.
 */
export class SqliteThreadClient {
  readonly enqueued = new EnqueueSignal();
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private gone: Error | undefined;
  /** Requests of this event-loop turn, posted together (one structured clone, one wake-up of the thread). */
  private outbox: ThreadCall[] = [];

  private constructor(private readonly thread: Worker) {
    thread.on('message', (replies: ThreadReply[]) => replies.forEach((reply) => this.receive(reply)));
    thread.on('error', (error) => this.end(error));
    thread.on('exit', (code) => this.end(new Error(`the store thread exited (${code})`)));
  }

  /** Starts the thread and resolves once the store in it has opened its file. */
  static start(config: QueueConfig): Promise<SqliteThreadClient> {
    if (!existsSync(THREAD_FILE)) {
      return Promise.reject(new Error(`The SQLite store thread ${THREAD_FILE} is missing: run npm run build`));
    }
    const thread = new Worker(THREAD_FILE, { workerData: config, resourceLimits: THREAD_LIMITS });
    // The store's log lines, from opening on, go to this application's logger.
    const logger = new Logger(LOG_CONTEXT);
    thread.on('message', (replies: ThreadReply[]) => {
      for (const reply of replies) {
        if (reply.kind === 'log') logger[reply.level](reply.message, reply.context ?? LOG_CONTEXT);
      }
    });
    return new Promise((resolve, reject) => {
      const opened = (replies: ThreadReply[]) => {
        const reply = replies.find(({ kind }) => kind !== 'log');
        if (reply === undefined) return;
        thread.off('message', opened);
        thread.off('error', reject);
        if (reply.kind === 'ready') resolve(new SqliteThreadClient(thread));
        else {
          void thread.terminate();
          reject(new Error(reply.kind === 'failed' ? reply.message : `unexpected ${reply.kind} from the store thread`));
        }
      };
      thread.on('message', opened);
      thread.once('error', reject);
    });
  }

  /** Sends `request` to the store thread; resolves with the store's answer, or rejects with its error. */
  call<R extends StoreRequest>(request: R): Promise<StoreAnswer<R['op']>> {
    if (this.gone) return Promise.reject(new StoreUnavailableError(this.gone));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // The thread answers a request of this operation with its StoreAnswer (StoreHandlers).
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.outbox.length === 0) setImmediate(() => this.post());
      this.outbox.push({ ...request, id });
    });
  }

  /** The store commits what waits and closes its file, then the thread ends. */
  async close(): Promise<void> {
    if (this.gone) return;
    await this.call({ op: 'close' });
    await this.thread.terminate();
  }

  private post(): void {
    const calls = this.outbox;
    this.outbox = [];
    if (!this.gone) this.thread.postMessage(calls);
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
