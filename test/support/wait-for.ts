import { inspect } from 'node:util';

export interface WaitForOptions {
  /** Give up after this long (default 15000 ms: generous, for a loaded machine). */
  timeoutMs?: number;
  /** Pause between two checks (default 20 ms). */
  intervalMs?: number;
  /** Named in the timeout error, to say what was awaited. */
  what?: string;
}

/**
 * Polls `fn` until it returns a truthy value and resolves with that value. A throwing `fn` counts
 * as "not yet" (its last error is reported on timeout). Rejects after `timeoutMs`.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 15000, intervalMs = 20, what }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
      lastValue = value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError
        ? `last error: ${lastError instanceof Error ? lastError.message : inspect(lastError)}`
        : `last value: ${String(lastValue)}`;
      throw new Error(`waitFor${what ? ` (${what})` : ''} timed out after ${timeoutMs} ms; ${detail}`);
    }
    await sleep(intervalMs);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
