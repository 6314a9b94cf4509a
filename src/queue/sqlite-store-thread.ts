import type { LoggerService, LogLevel } from '@nestjs/common';
import { parentPort, workerData } from 'node:worker_threads';
import type { QueueConfig } from '../config/queue.config';
import { SqliteEventStore } from './sqlite-event-store';
import { ThreadLog, ThreadReply, ThreadRequest } from './sqlite-thread-protocol';

/**
 * The SQLite store in its own thread: better-sqlite3 runs every statement and every commit's
 * fsync synchronously, so here they block this thread, not the one that reads webhooks. Port
 * calls arrive as messages and are answered once done (an enqueue after its commit is on disk).
 */
const port = parentPort!;

/**
 * Replies of this event-loop turn, posted together: a group commit settles many calls at once, and
 * one message carries all their answers (one structured clone, one wake-up of the main thread).
 */
let outbox: ThreadReply[] = [];

function reply(message: ThreadReply): void {
  if (outbox.length === 0) setImmediate(postReplies);
  outbox.push(message);
}

function postReplies(): void {
  const replies = outbox;
  outbox = [];
  port.postMessage(replies);
}

/** The store's log lines go to the main thread's logger (same format, same redaction). */
class ForwardingLogger implements LoggerService {
  log = (message: unknown, context?: string) => this.send('log', message, context);
  error = (message: unknown, context?: string) => this.send('error', message, context);
  warn = (message: unknown, context?: string) => this.send('warn', message, context);
  debug = (message: unknown, context?: string) => this.send('debug', message, context);
  verbose = (message: unknown, context?: string) => this.send('verbose', message, context);
  fatal = (message: unknown, context?: string) => this.send('fatal', message, context);

  private send(level: LogLevel, message: unknown, context?: string): void {
    const log: ThreadLog = { kind: 'log', level, message: String(message), context };
    reply(log);
  }
}

function start(): void {
  let store: SqliteEventStore;
  try {
    store = new SqliteEventStore(workerData as QueueConfig, new ForwardingLogger());
  } catch (error) {
    reply({ kind: 'failed', message: (error as Error).message });
    return;
  }
  store.onEnqueued(() => reply({ kind: 'enqueued' }));
  port.on('message', (requests: ThreadRequest[]) => requests.forEach((request) => void answer(store, request)));
  reply({ kind: 'ready' });
}

async function answer(store: SqliteEventStore, { id, method, args }: ThreadRequest): Promise<void> {
  try {
    const call = (store as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
    reply({ kind: 'result', id, value: await call.apply(store, args) });
  } catch (error) {
    const { code, message, cause } = error as { code?: string; message: string; cause?: { message?: string } };
    reply({ kind: 'error', id, code, message, causeMessage: cause?.message });
  }
}

start();
