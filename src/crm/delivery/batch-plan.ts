import { ClaimedEvent } from '../../queue/stored-event';

export interface BatchPlan {
  /** Events a newer delivered event made stale: recorded, never sent. */
  stale: ClaimedEvent[];
  /** One CRM request each: events of one mapping, at most `batchSize`, in claim order. */
  batches: ClaimedEvent[][];
  /** Claimed beyond the free request slots: given back at once, no attempt used. */
  surplus: ClaimedEvent[];
}

/**
 * Splits claimed events into requests. The store hands out one event per record at a time, so a
 * batch never holds two events of one record and per-record order is kept across batches.
 */
export function planBatches(
  events: ClaimedEvent[],
  slots: number,
  batchSize: number,
  keyOf: (event: ClaimedEvent) => string,
): BatchPlan {
  const groups = new Map<string, ClaimedEvent[]>();
  for (const event of events) {
    if (event.stale) continue;
    const key = keyOf(event);
    groups.set(key, [...(groups.get(key) ?? []), event]);
  }
  const chunks: ClaimedEvent[][] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += batchSize) chunks.push(group.slice(i, i + batchSize));
  }
  return {
    stale: events.filter((event) => event.stale),
    batches: chunks.slice(0, slots),
    surplus: chunks.slice(slots).flat(),
  };
}
