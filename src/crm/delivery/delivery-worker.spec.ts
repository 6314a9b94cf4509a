import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { CrmConfig } from '../../config/crm.config';
import { crmSettings } from '../../config/crm-config.fixture';
import { QueueConfig } from '../../config/queue.config';
import { SqliteEventStore } from '../../queue/sqlite-event-store';
import { ClaimedEvent } from '../../queue/stored-event';
import { dueEvent } from '../../queue/stored-event.fixture';
import { Telemetry } from '../../telemetry/telemetry';
import { NoTracing } from '../../telemetry/tracing';
import { CrmBreaker } from '../client/crm-breaker';
import { CrmConnector } from '../connectors/crm-connector';
import { DeliveryVerdicts } from './delivery-verdicts';
import { DeliveryWorker } from './delivery-worker';
import { deliveredVerdict, EventVerdict } from '../connectors/verdict';

/**
 * The real SQLite store, whose delivery queue's n-th claimDue or nextDueAt call fails (a busy or
 * lost store), and which can run `afterClaim` once a claim has read the queue, before its answer
 * reaches the worker (as with the store thread, where events commit while a claim's answer travels).
 */
class FailingStore extends SqliteEventStore {
  readonly calls = { claimDue: 0, nextDueAt: 0 };
  readonly failing = { claimDue: new Set<number>(), nextDueAt: new Set<number>() };
  afterClaim = new Map<number, () => Promise<unknown>>();

  constructor(config: QueueConfig, logger: Logger) {
    super(config, logger);
    const { delivery } = this;
    const [claimDue, nextDueAt] = [delivery.claimDue.bind(delivery), delivery.nextDueAt.bind(delivery)];
    delivery.claimDue = async (limit, now) => {
      const call = ++this.calls.claimDue;
      if (this.failing.claimDue.has(call)) throw new Error('store busy');
      const claimed = await claimDue(limit, now);
      await this.afterClaim.get(call)?.();
      return claimed;
    };
    delivery.nextDueAt = async () => {
      if (this.failing.nextDueAt.has(++this.calls.nextDueAt)) throw new Error('store busy');
      return nextDueAt();
    };
  }
}

/** A CRM that applies everything it is sent. */
class AcceptingConnector extends CrmConnector {
  readonly name = 'generic';
  readonly maxBatchSize = 200;
  /** The event ids of each request, in the order they were sent. */
  readonly requests: string[][] = [];

  async deliver(events: ClaimedEvent[]): Promise<EventVerdict[]> {
    this.requests.push(events.map((e) => e.eventId));
    const requests = [{ at: Date.now(), status: 200, error: null, durationMs: 1 }];
    return events.map(() => ({ verdict: deliveredVerdict(200), attempts: 1, requests }));
  }

  check(): never {
    throw new Error('not used');
  }
}

/** A connector with a bug: it throws on every delivery. */
class ThrowingConnector extends AcceptingConnector {
  override async deliver(): Promise<EventVerdict[]> {
    throw new TypeError("Cannot read properties of null (reading 'id')");
  }
}

const crm = crmSettings;

async function stateOf(store: SqliteEventStore, eventId: string, wanted: string): Promise<string | undefined> {
  for (let i = 0; i < 500; i++) {
    const state = (await store.operators.get(eventId))?.state;
    if (state === wanted) return state;
    await setTimeout(20);
  }
  return (await store.operators.get(eventId))?.state;
}

/**
 * What the worker claims ends in a store call: a connector that throws, or a store call failing
 * next to a claim that succeeded, must not leave events claimed (their records would wait behind
 * them until a restart).
 */
describe('DeliveryWorker: every event it claims reaches the store', () => {
  let dir: string;
  let store: FailingStore;
  let worker: DeliveryWorker | undefined;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-worker-'));
    store = new FailingStore(
      {
        driver: 'sqlite',
        dataDir: dir,
        sqliteSynchronous: 'normal',
        leaseMs: 30_000,
        dedupTtlSeconds: 86400,
        recordStateTtlSeconds: 2_592_000,
      },
      new Logger('store'),
    );
  });
  afterEach(async () => {
    await worker?.stop();
    await worker?.drain();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function startWorker(config: CrmConfig, connector: CrmConnector = new AcceptingConnector()): void {
    const telemetry = new Telemetry();
    const breaker = new CrmBreaker(config, telemetry);
    const verdicts = new DeliveryVerdicts(config, store.delivery, telemetry);
    worker = new DeliveryWorker(config, store.delivery, connector, breaker, verdicts, new NoTracing());
    worker.start();
  }

  it('a connector that throws: each delivery a failed attempt in the history, then a dead letter', async () => {
    await store.intake.enqueue(dueEvent({ eventId: 'thrown-1' }));
    startWorker(crm({ maxAttempts: 3 }), new ThrowingConnector());
    expect(await stateOf(store, 'thrown-1', 'dead')).toBe('dead');
    const reason = "connector error: TypeError: Cannot read properties of null (reading 'id')";
    expect(await store.operators.get('thrown-1')).toMatchObject({ attempts: 3, lastStatus: null, lastError: reason });
    const history = await store.operators.attemptsOf('thrown-1');
    expect(history.map((a) => [a.status, a.error])).toEqual([
      [null, reason],
      [null, reason],
      [null, reason],
    ]);
  });

  it('delivers what it claimed when the next due time cannot be read', async () => {
    await store.intake.enqueue(dueEvent({ eventId: 'due-1' }));
    store.failing.nextDueAt.add(1);
    startWorker(crm({}));
    expect(await stateOf(store, 'due-1', 'delivered')).toBe('delivered');
    expect(store.calls.nextDueAt).toBeGreaterThanOrEqual(1);
  });

  it('delivers what it claimed when a claim while a batch waits to fill fails', async () => {
    await store.intake.enqueue(dueEvent({ eventId: 'due-2' }));
    store.failing.claimDue.add(2);
    startWorker(crm({ batchSize: 2, batchWaitMs: 20 }));
    expect(await stateOf(store, 'due-2', 'delivered')).toBe('delivered');
    expect(store.calls.claimDue).toBeGreaterThanOrEqual(2);
  });

  it('a batch goes once full when its last event was stored while a claim was under way', async () => {
    await store.intake.enqueue(dueEvent({ eventId: 'full-1', externalId: 'C-full-1' }));
    // Stored (and the worker told) after the first claim read the queue, before it answered.
    store.afterClaim.set(1, () => store.intake.enqueue(dueEvent({ eventId: 'full-2', externalId: 'C-full-2' })));
    const connector = new AcceptingConnector();
    // The wait for a batch to fill is a ceiling that must not be reached: longer than the test.
    startWorker(crm({ batchSize: 2, batchWaitMs: 3_600_000 }), connector);
    expect(await stateOf(store, 'full-2', 'delivered')).toBe('delivered');
    expect(connector.requests).toEqual([['full-1', 'full-2']]);
  });
});
