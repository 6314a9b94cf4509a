import { EventView } from './admin-api';
import { settledAs, view } from './connector-app';
import { TestApp } from './test-app';
import { waitFor } from './wait-for';

/**
 * What the malformed-answer suites check for each answer that once froze a record (issue 17 item 0):
 * the event ends delivered or dead with an attempt history that says why, and the record's next
 * event, waiting behind it, is delivered.
 */

/** An event time after the sample's (2026-11-26T10:00:00Z): the record's next event. */
export const LATER = { timestamp: '2026-11-26T10:05:00Z' };

/** Waits until the event has left `queued` (delivered or dead); resolves with its view. */
export const settled = (t: TestApp, eventId: string): Promise<EventView> =>
  waitFor(
    async () => {
      const event = await view(t, eventId);
      return event.state === 'delivered' || event.state === 'dead' ? event : undefined;
    },
    { timeoutMs: 10000, what: `${eventId} delivered or dead` },
  );

/** Delivered or dead, every attempt in the history, and the history saying `why`. */
export function expectExplained(event: EventView, why: RegExp): void {
  expect(['delivered', 'dead']).toContain(event.state);
  expect(event.attempts).toBeGreaterThanOrEqual(1);
  expect(event.attemptHistory).toHaveLength(event.attempts);
  expect(event.attemptHistory.map((a) => a.error ?? '').join('\n')).toMatch(why);
}

/** The first event ends explained, then the record's next event (waiting behind it) is delivered. */
export async function expectRecordMovesOn(t: TestApp, first: string, next: string, why: RegExp): Promise<EventView> {
  const event = await settled(t, first);
  expectExplained(event, why);
  await settledAs(t, [next], 'delivered');
  return event;
}
