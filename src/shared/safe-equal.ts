import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time string comparison that does not leak the length either: both sides are hashed to
 * the same size before `timingSafeEqual`.
 */
export function safeEqual(actual: string, expected: string): boolean {
  const a = createHash('sha256').update(actual).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** True when `actual` equals any candidate; every candidate is compared (no early exit). */
export function safeEqualsAny(actual: string, candidates: readonly string[]): boolean {
  let match = false;
  for (const candidate of candidates) match = safeEqual(actual, candidate) || match;
  return match;
}
