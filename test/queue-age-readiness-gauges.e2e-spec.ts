import Database from 'better-sqlite3';
import { join } from 'node:path';
import request from 'supertest';
import { ShutdownState } from '../src/lifecycle/shutdown-state';
import { OperatorEvents } from '../src/queue/operator-events';
import { describeEachDriver, Driver, driverEnv } from './support/drivers';
import { parseSamples } from './support/prometheus-text';
import { sandboxedApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, sendAccepted, unique } from './support/webhook-cases';

/**
 * The two gauges the "oldest queued event" and "readiness failing" alerts read
 * (deploy/prometheus/alerts.yml), scraped over HTTP from the real app on each queue driver: an
 * event the CRM sandbox keeps refusing with 503 stays queued and ages; readiness follows what
 * GET /health/ready answers.
 */

const SECRET = 's';
const AGE = 'queue_oldest_event_age_seconds';
const READY = 'service_ready';

describeEachDriver('queue age and readiness gauges (%s driver)', (driver: Driver) => {
  const { sandbox, app } = sandboxedApp({
    COGNIGY_WEBHOOK_SECRETS: SECRET,
    // Refused events are retried quickly and never dead-lettered, and the breaker stays closed,
    // so the event is delivered as soon as the CRM answers again.
    CRM_MAX_ATTEMPTS: '1000',
    CRM_RETRY_BASE_MS: '50',
    CRM_RETRY_MAX_MS: '200',
    CRM_BREAKER_THRESHOLD: '1000',
    ...driverEnv(driver),
  });
  let t: TestApp;
  beforeAll(() => (t = app()));

  /** The one sample of each gauge in a fresh scrape. */
  async function scrape(): Promise<{ age: number; ready: number }> {
    const res = await request(t.server).get('/metrics');
    expect(res.status).toBe(200);
    const samples = parseSamples(res.text);
    const only = (name: string) => {
      const found = samples.filter((s) => s.name === name);
      expect(found).toEqual([{ name, labels: {}, value: expect.any(Number) }]);
      return found[0].value;
    };
    return { age: only(AGE), ready: only(READY) };
  }

  const stateOf = async (eventId: string) => (await t.app.get(OperatorEvents).get(eventId))?.state;
  const readyStatus = async () => (await request(t.server).get('/health/ready')).status;

  it('with nothing queued the age is 0, and a ready service scrapes as ready 1', async () => {
    expect(await readyStatus()).toBe(200);
    expect(await scrape()).toEqual({ age: 0, ready: 1 });
  });

  it('an event the CRM keeps refusing stays queued and its age grows from scrape to scrape; 0 once delivered', async () => {
    sandbox.inject({ status: 503, count: -1 });
    const sentAt = Date.now();
    const eventId = await sendAccepted(t, SECRET, contactDialog(unique('C-AGE')));
    await waitFor(() => sandbox.requests().some((r) => r.status === 503), { what: 'a refused delivery attempt' });
    expect(await stateOf(eventId)).toBe('queued');

    const first = (await scrape()).age;
    expect(first).toBeGreaterThan(0);
    // Received after `sentAt`: the age cannot exceed the time since.
    expect(first).toBeLessThanOrEqual((Date.now() - sentAt) / 1000);
    await waitFor(async () => (await scrape()).age > first, { what: 'a later scrape to show an older event' });
    expect(await stateOf(eventId)).toBe('queued');

    sandbox.clearFaults();
    await waitFor(async () => (await stateOf(eventId)) === 'delivered', { what: 'the delivery once the CRM answers' });
    expect((await scrape()).age).toBe(0);
  });

  if (driver === 'sqlite') {
    it('scrapes as ready 0 while the store cannot be written, and 1 again once it can', async () => {
      const locker = new Database(join(t.dataDir, 'events.sqlite'));
      try {
        locker.exec('BEGIN EXCLUSIVE');
        // Readiness probes the store at most once a second: wait for a probe to meet the lock.
        await waitFor(async () => (await scrape()).ready === 0, { timeoutMs: 15000, what: 'ready 0' });
        expect(await readyStatus()).toBe(503);
      } finally {
        if (locker.inTransaction) locker.exec('ROLLBACK');
        locker.close();
      }
      await waitFor(async () => (await scrape()).ready === 1, { timeoutMs: 15000, what: 'ready 1 again' });
      expect(await readyStatus()).toBe(200);
    }, 30000);
  }

  // Last: the shutdown flag cannot be cleared.
  it('scrapes as ready 0 once shutdown has begun, as GET /health/ready answers 503', async () => {
    expect((await scrape()).ready).toBe(1);
    t.app.get(ShutdownState).begin();
    expect(await readyStatus()).toBe(503);
    expect((await scrape()).ready).toBe(0);
  });
});
