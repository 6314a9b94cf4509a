import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueConfig } from '../../src/config/queue.config';
import { DeliveryQueue } from '../../src/queue/delivery-queue';
import { EventStoreDriver } from '../../src/queue/event-store-driver';
import { claimWithin } from '../../src/queue/stored-event.fixture';
import { Driver } from './drivers';
import { DriverStores } from './store-drivers';

/**
 * The event store's behaviour suite (test/event-store-{intake,claims,dead-letters,reads}.e2e-spec.ts): one behaviour, two drivers.
 * The same test code runs against the embedded SQLite store and the shared Redis store; a
 * difference between the drivers is a failing test. SQLite-only details (group commit, reopening
 * the file, the busy lock, nextDueAt's exact times) are in src/queue/sqlite-event-store.spec.ts;
 * several Redis instances on one prefix in redis-event-store.e2e-spec.ts.
 *
 * Everything runs in real time: the Redis store ignores claimDue's `now` (BullMQ's delayed set
 * decides when a job is due) and re-checks a job that waited behind a claimed or older event of
 * its record only after ~250 ms, so "becomes claimable" is polled for (claimWithin) and "stays
 * blocked" is watched for a while (claimDuring), never judged from a single call.
 */

/** The fixtures' event time (the documented sample's). */
export const T0 = Date.parse('2026-11-26T10:00:00Z');

/** Longer than the Redis store's re-check of a blocked job (250 ms), twice over. */
const BLOCKED_WATCH_MS = 600;

/** Everything claimDue hands out while polling for `ms` (expected: nothing, for a blocked event). */
export const claimDuring = (queue: DeliveryQueue, ms = BLOCKED_WATCH_MS) =>
  claimWithin(queue, Number.POSITIVE_INFINITY, ms);

/**
 * For the enclosing describe: opens fresh, empty stores of `driver` (each on its own DATA_DIR or
 * Redis key prefix, the defaults of an empty environment with a 2 s lease, `overrides` on top)
 * and closes every one opened during a test after it.
 */
export function storesClosedAfterEachTest(
  driver: Driver,
): (overrides?: Partial<QueueConfig>) => Promise<EventStoreDriver> {
  let root: string;
  const stores = new DriverStores(driver, () => root);

  beforeAll(() => {
    Logger.overrideLogger(false);
    root = mkdtempSync(join(tmpdir(), 'ccs-event-store-'));
  });
  afterEach(() => stores.closeAll());
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  return (overrides = {}) => stores.open(overrides);
}
