/** Event-loop delay (the longest in the last sample period) above which delivery gives way to webhooks. */
export const BUSY_LOOP_MS = 20;
/** Below this, delivery takes its slots back. */
export const IDLE_LOOP_MS = 10;
const SAMPLE_MS = 100;

/** The event-loop delay the budget reacts to, in milliseconds. */
export interface LoopDelaySource {
  /** The delay since the previous call (and starts a new period). */
  takeMs(): number;
}

/**
 * How late a 10 ms timer fires: the time a webhook that arrives now waits before the event loop
 * reads it. The longest lateness since the previous reading, or the current one if the timer is
 * overdue right now. The timer runs only while it is read: unread for `idleStopMs` (no delivery
 * work), it stops, so an idle service does not wake 100 times a second for nothing; the next
 * reading reports what it saw before stopping and starts it again.
 */
export class EventLoopDelay implements LoopDelaySource {
  private static readonly TICK_MS = 10;
  private expectedAt = 0;
  private longestMs = 0;
  private readAt = 0;
  private timer: NodeJS.Timeout | undefined;

  /** The budget reads every 100 ms while it has work: 250 ms unread means it has none. */
  constructor(private readonly idleStopMs = 250) {}

  /** Whether the timer is running. */
  get ticking(): boolean {
    return this.timer !== undefined;
  }

  takeMs(): number {
    const now = performance.now();
    this.readAt = now;
    const overdueMs = this.timer === undefined ? 0 : now - this.expectedAt;
    const ms = Math.max(this.longestMs, overdueMs, 0);
    this.longestMs = 0;
    if (this.timer === undefined) this.start(now);
    return ms;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private start(now: number): void {
    this.expectedAt = now + EventLoopDelay.TICK_MS;
    this.timer = setInterval(() => this.tick(), EventLoopDelay.TICK_MS);
    this.timer.unref();
  }

  private tick(): void {
    const now = performance.now();
    this.longestMs = Math.max(this.longestMs, now - this.expectedAt);
    this.expectedAt = now + EventLoopDelay.TICK_MS;
    if (now - this.readAt > this.idleStopMs) this.stop();
  }
}

/**
 * How many deliveries may be in flight, out of CRM_CONCURRENCY: acks and deliveries share one
 * event loop, and a 202 must not wait behind delivery work. While the loop is late (webhooks
 * queue before it reads them) the budget halves each sample period, down to a quarter of the
 * slots (a loop late because the host is busy must not stall delivery); once the loop is prompt
 * again it grows back by an eighth of the slots per period.
 */
export class DeliveryBudget {
  private allowed: number;
  private readonly floor: number;
  private sampledAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly slots: number,
    private readonly delay: LoopDelaySource,
    private readonly now: () => number = Date.now,
  ) {
    this.allowed = slots;
    this.floor = Math.ceil(slots / 4);
  }

  /** Deliveries that may run at once now (a quarter of CRM_CONCURRENCY to all of it). */
  current(): number {
    const now = this.now();
    if (now - this.sampledAt >= SAMPLE_MS) {
      this.sampledAt = now;
      this.adjust(this.delay.takeMs());
    }
    return this.allowed;
  }

  private adjust(delayMs: number): void {
    if (delayMs > BUSY_LOOP_MS) this.allowed = Math.max(this.floor, Math.floor(this.allowed / 2));
    else if (delayMs < IDLE_LOOP_MS)
      this.allowed = Math.min(this.slots, this.allowed + Math.max(1, Math.ceil(this.slots / 8)));
  }
}
