import type { LoggerService, LogLevel } from '@nestjs/common';
import { parentPort, workerData } from 'node:worker_threads';
import type { QueueConfig } from '../config/queue.config';
import { SqliteEventStore } from './sqlite-event-store';
import { StoreHandlers, StoreOperation, StoreRequest, ThreadCall, ThreadReply } from './sqlite-thread-protocol';

/**
 * The SQLite store in its own thread: better-sqlite3 runs every statement and every commit's
 * fsync synchronously, so here they block this thread, not the one that reads webhooks. Requests
 * arrive as messages and are answered once done (an enqueue after its commit is on disk).
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
    reply({ kind: 'log', level, message: String(message), context });
  }
}

/** Each operation, served by the store's part for its port. */
function handlersOf(store: SqliteEventStore): StoreHandlers {
  const { intake, delivery, operators, health } = store;
  return {
    enqueue: (r) => intake.enqueue(r.event),
    claimDue: (r) => delivery.forTarget(r.target).claimDue(r.limit, r.now),
    markDelivered: (r) => delivery.forTarget(r.target).markDelivered(r.eventId, r.attempts, r.result, r.made),
    scheduleRetry: (r) => delivery.forTarget(r.target).scheduleRetry(r.eventId, r.attempts, r.at, r.result, r.made),
    release: (r) => delivery.forTarget(r.target).release(r.eventId, r.at),
    markDead: (r) => delivery.forTarget(r.target).markDead(r.eventId, r.attempts, r.result, r.made),
    markStale: (r) => delivery.forTarget(r.target).markStale(r.eventId),
    nextDueAt: (r) => delivery.forTarget(r.target).nextDueAt(),
    get: (r) => operators.get(r.eventId, r.target),
    deliveriesOf: (r) => operators.deliveriesOf(r.eventId),
    attemptsOf: (r) => operators.attemptsOf(r.eventId, r.target),
    search: (r) => operators.search(r.filter, r.limit, r.cursor),
    listDead: (r) => operators.listDead(r.limit, r.cursor, r.filter),
    countDead: (r) => operators.countDead(r.filter),
    replayDead: (r) => operators.replayDead(r.eventId, r.target),
    replayAllDead: (r) => operators.replayAllDead(r.filter),
    deleteDead: (r) => operators.deleteDead(r.eventId, r.target),
    activity: (r) => operators.activity(r.minutes, r.now),
    countByState: () => health.countByState(),
    countByTarget: () => health.countByTarget(),
    checkWritable: () => health.checkWritable(),
    latestCommit: () => health.latestCommit(),
    oldestQueuedAt: () => health.oldestQueuedAt(),
    close: async () => store.close(),
  };
}

/** The handler of the request's own operation (the compiler pairs a request with its handler). */
function serve<Op extends StoreOperation>(handlers: StoreHandlers, request: StoreRequest<Op>): Promise<unknown> {
  const handler: (request: StoreRequest<Op>) => Promise<unknown> = handlers[request.op];
  return handler(request);
}

/** Serves one call, then queues its reply: the answer, or the error as the main thread rebuilds it. */
async function serveAndReply(handlers: StoreHandlers, call: ThreadCall): Promise<void> {
  const { id } = call;
  try {
    reply({ kind: 'result', id, value: await serve(handlers, call) });
  } catch (error) {
    const { code, message, cause } = error as { code?: string; message: string; cause?: { message?: string } };
    reply({ kind: 'error', id, code, message, causeMessage: cause?.message });
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
  store.delivery.onEnqueued(() => reply({ kind: 'enqueued' }));
  const handlers = handlersOf(store);
  port.on('message', (calls: ThreadCall[]) => calls.forEach((call) => void serveAndReply(handlers, call)));
  reply({ kind: 'ready' });
}

start();
