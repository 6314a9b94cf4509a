import { Injectable } from '@nestjs/common';
import { StoreHealth } from '../../queue/store-health';
import { EventState } from '../../queue/stored-event';

/** The store is counted at most this often for the readiness details, however often they are asked. */
const COUNT_INTERVAL_MS = 1000;

type Counts = Record<string, Record<EventState, number>>;

/**
 * Queue depth per target for the readiness details: the store's counts, read at most once a
 * second (callers arriving meanwhile share the read), so frequent probes do not each count the
 * store. Null while the store cannot be read.
 */
@Injectable()
export class TargetDepths {
  private latest: { at: number; counts: Counts | null } | null = null;
  private reading: Promise<Counts | null> | null = null;

  constructor(private readonly store: StoreHealth) {}

  async read(): Promise<Counts | null> {
    if (this.latest && Date.now() - this.latest.at < COUNT_INTERVAL_MS) return this.latest.counts;
    this.reading ??= this.store
      .countByTarget()
      .catch(() => null)
      .then((counts) => {
        this.latest = { at: Date.now(), counts };
        return counts;
      })
      .finally(() => (this.reading = null));
    return this.reading;
  }
}
