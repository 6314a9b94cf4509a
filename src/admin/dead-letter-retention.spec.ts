import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app.config';
import { OperatorEvents } from '../queue/operator-events';
import { DeadLetterFilter, EventPage, StoredEvent } from '../queue/stored-event';
import { DeadLetterRetention } from './dead-letter-retention';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2026-11-26T12:00:00Z');

/** The two calls retention makes, over dead letters kept oldest first as the drivers list them. */
class DeadLetters {
  failedAt = new Map<string, number>();
  listings = 0;

  constructor(ages: Record<string, number>) {
    for (const [id, age] of Object.entries(ages)) this.failedAt.set(id, NOW - age);
  }

  listDead(limit: number, _cursor?: string, filter: DeadLetterFilter = {}): Promise<EventPage> {
    this.listings++;
    const items = [...this.failedAt]
      .filter(([, at]) => filter.failedBefore === undefined || at < filter.failedBefore)
      .sort(([, a], [, b]) => a - b)
      .slice(0, limit)
      .map(([eventId, failedAt]) => ({ eventId, failedAt }) as StoredEvent);
    return Promise.resolve({ items, nextCursor: null });
  }

  deleteDead(eventId: string): Promise<boolean> {
    return Promise.resolve(this.failedAt.delete(eventId));
  }
}

const retention = (store: DeadLetters, days?: number) =>
  new DeadLetterRetention({ deadLetterRetentionDays: days } as AppConfig, store as unknown as OperatorEvents);

describe('DeadLetterRetention', () => {
  beforeAll(() => Logger.overrideLogger(false));
  it('deletes the dead letters that failed before now minus the retention, page after page', async () => {
    const ages: Record<string, number> = { young: 29 * DAY, edge: 30 * DAY - 1 };
    for (let i = 0; i < 450; i++) ages[`old-${i}`] = 30 * DAY + 1 + i;
    const store = new DeadLetters(ages);
    await expect(retention(store, 30).prune(NOW)).resolves.toBe(450);
    expect([...store.failedAt.keys()].sort()).toEqual(['edge', 'young']);
  });

  it('takes fractions of a day', async () => {
    const store = new DeadLetters({ twoHours: 2 * 60 * 60 * 1000, tenHours: 10 * 60 * 60 * 1000 });
    await retention(store, 0.25).prune(NOW);
    expect([...store.failedAt.keys()]).toEqual(['twoHours']);
  });

  it('does nothing without DEAD_LETTER_RETENTION_DAYS', async () => {
    const store = new DeadLetters({ ancient: 3650 * DAY });
    const unset = retention(store);
    unset.onApplicationBootstrap();
    await expect(unset.prune(NOW)).resolves.toBe(0);
    expect([store.listings, store.failedAt.size]).toEqual([0, 1]);
  });

  describe('schedule', () => {
    beforeEach(() => jest.useFakeTimers({ now: NOW }));
    afterEach(() => jest.useRealTimers());

    it('prunes at start, then once per hour, and stops with the module', async () => {
      const store = new DeadLetters({ old: 40 * DAY });
      const pruner = retention(store, 30);
      pruner.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(0);
      expect(store.failedAt.size).toBe(0);
      const listings = store.listings;
      store.failedAt.set('later', NOW - 31 * DAY);
      await jest.advanceTimersByTimeAsync(60 * 60 * 1000 - 1);
      expect(store.listings).toBe(listings);
      await jest.advanceTimersByTimeAsync(1);
      expect(store.failedAt.size).toBe(0);
      await pruner.onModuleDestroy();
      await jest.advanceTimersByTimeAsync(10 * 60 * 60 * 1000);
      expect(store.listings).toBe(listings + 1);
    });
  });
});
