/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and Jitter"):
 * a uniformly random delay in [0, min(cap, base * 2^(attempt-1))]. The delay becomes a durable
 * `next_attempt_at`, so an in-process retry library does not fit; this is the whole formula.
 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 52));
  return Math.floor(random() * ceiling);
}
