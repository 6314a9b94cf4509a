import type { LogLevel } from '@nestjs/common';

/**
 * A port call for the store thread: the store's method and its arguments (structured-cloned). Each
 * message either way is an array: the calls, or the replies, of one event-loop turn.
 */
export interface ThreadRequest {
  id: number;
  method: string;
  args: unknown[];
}

export interface ThreadLog {
  kind: 'log';
  level: LogLevel;
  message: string;
  context?: string;
}

/** What the store thread sends back: a call's value or error, log lines, and commit signals. */
export type ThreadReply =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  | { kind: 'enqueued' }
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; code?: string; message: string; causeMessage?: string }
  | ThreadLog;
