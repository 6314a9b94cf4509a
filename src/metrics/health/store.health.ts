import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { StoreHealth } from '../../queue/store-health';
import { StoreResets } from './store-resets';

/** Readiness writes a probe at most this often, however often it is asked. */
const PROBE_INTERVAL_MS = 1000;

/**
 * Ready only while the store's latest commit went through (with Redis replica acks: confirmed by
 * the replicas too). Resets of a Redis store (its keys lost) are listed in the details. Events committed within the last
 * second answer for the store; otherwise one probe is written (callers arriving meanwhile share
 * it), so a flood of readiness checks cannot slow the webhooks' commits down.
 */
@Injectable()
export class StoreHealthIndicator {
  private probing: Promise<void> | null = null;

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly store: StoreHealth,
    private readonly resets: StoreResets,
  ) {}

  /** `withErrors`: the store's error text is shown (to the admin only). */
  async check(key: string, withErrors: boolean) {
    const latest = await this.store.latestCommit();
    if (!latest || Date.now() - latest.at >= PROBE_INTERVAL_MS) await this.probe();
    const error = (await this.store.latestCommit())?.error ?? null;
    const indicator = this.health.check(key);
    // A Redis that lost the store's keys is writable again at once: shown, but not unready.
    const seen = this.resets.current();
    const resets = seen.count > 0 ? { resets: seen } : {};
    if (error === null) return indicator.up({ writable: true, ...resets });
    return indicator.down({ writable: false, ...resets, ...(withErrors ? { error } : {}) });
  }

  private probe(): Promise<void> {
    this.probing ??= this.store
      .checkWritable()
      .catch(() => undefined)
      .finally(() => (this.probing = null));
    return this.probing;
  }
}
