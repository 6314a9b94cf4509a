/**
 * Spaces request starts evenly at CRM_RATE_LIMIT_PER_SECOND. Slots are handed out in call order,
 * so waiting callers keep their place.
 */
export class RateLimiter {
  private nextSlot = 0;
  private readonly intervalMs: number;

  constructor(perSecond: number | undefined) {
    this.intervalMs = perSecond ? 1000 / perSecond : 0;
  }

  async acquire(): Promise<void> {
    if (this.intervalMs === 0) return;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }
}
