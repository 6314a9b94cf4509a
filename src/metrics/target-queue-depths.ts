import { Gauge } from 'prom-client';
import { StoreHealth, targetsHoldingDeliveries } from '../queue/store-health';

const DEPTH_STATES = ['queued', 'dead'] as const;

/**
 * `queue_events{state,target}` with routing, read from the store at each scrape: every target of
 * the configuration (0 for one with nothing stored), and every other target the store holds queued
 * or dead deliveries of (one removed from ROUTES_FILE: nothing delivers them, and without its own
 * series the totals and the oldest queued event's age would count them under no name). Such a
 * target keeps its series, at 0 once its deliveries are gone, until the process ends: a line that
 * drops to 0 says they are gone where one that vanished would not. The label values stay bounded
 * by the names the store held since startup. NaN for every series while the store does not answer.
 */
export class TargetQueueDepths {
  /** The targets with a series: the configuration's, then each other one the store was seen holding. */
  private readonly shown: Set<string>;

  constructor(
    private readonly store: StoreHealth,
    configured: readonly string[],
  ) {
    this.shown = new Set(configured);
  }

  async set(gauge: Gauge<'state' | 'target'>): Promise<void> {
    const counts = await this.store.countByTarget().catch(() => null);
    // Every set below happens after the one await: a concurrent scrape never sees half of them.
    if (counts !== null) for (const target of targetsHoldingDeliveries(counts)) this.shown.add(target);
    for (const target of this.shown) {
      for (const state of DEPTH_STATES) {
        gauge.set({ state, target }, counts === null ? Number.NaN : (counts[target]?.[state] ?? 0));
      }
    }
  }
}
