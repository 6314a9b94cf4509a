import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliveryQueue } from '../src/queue/delivery-queue';
import { EventStoreDriver } from '../src/queue/event-store-driver';
import { eventStateOf, NewEvent, PlannedDelivery, targetOf } from '../src/queue/stored-event';
import { claimWithin, dueEvent, eventIds } from '../src/queue/stored-event.fixture';
import { CrmUpsert } from '../src/shared/dialog-completed-event';
import { Driver, describeEachDriver } from './support/drivers';
import { claimDuring, T0 } from './support/event-store-suite';
import { DriverStores } from './support/store-drivers';

/**
 * One event, several targets (docs/routing.md): each (event, target) is a delivery with its own
 * state, attempts, history, per-(target, record) order, dead letter and replay, written together
 * with the event. The same suite on both drivers, through the store's ports only.
 */

const OK = { status: 200, error: null };
const REFUSED = { status: 400, error: 'CRM answered 400: no' };
/** The same customer as a record of the service desk: the same record key, another CRM object. */
const deskUpsert = (externalId: string): CrmUpsert => ({
  intent: 'update_customer_profile',
  objectType: 'contact',
  object: 'sys_user',
  idField: 'correlation_id',
  externalId,
  body: { name: `for ${externalId}` },
});

/**
 * dueEvent for `crm` (its path upsert) and `desk` (a record upsert): both of the record
 * contact/<externalId>, so per-record order and staleness must tell the targets apart.
 */
function fannedOut(eventId: string, externalId = `C-${eventId}`, eventTime = T0): NewEvent {
  const event = dueEvent({ eventId, externalId, eventTime });
  const deliveries: PlannedDelivery[] = [
    { target: 'crm', upsert: event.upsert },
    { target: 'desk', upsert: deskUpsert(externalId) },
  ];
  return { ...event, source: 'chat', deliveries };
}

describeEachDriver('deliveries: one per (event, target) (%s driver)', (driver: Driver) => {
  let root: string;
  const stores = new DriverStores(driver, () => root);
  let store: EventStoreDriver;
  let crm: DeliveryQueue;
  let desk: DeliveryQueue;

  beforeAll(() => {
    Logger.overrideLogger(false);
    root = mkdtempSync(join(tmpdir(), 'ccs-deliveries-'));
  });
  beforeEach(async () => {
    store = await stores.open();
    crm = store.delivery.forTarget('crm');
    desk = store.delivery.forTarget('desk');
  });
  afterEach(() => stores.closeAll());
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('stores one delivery per target, in route order, each with its own upsert; each target claims only its own', async () => {
    expect(await store.intake.enqueue(fannedOut('fan-1'))).toEqual({ outcome: 'accepted', eventId: 'fan-1' });

    const deliveries = await store.operators.deliveriesOf('fan-1');
    expect(deliveries.map(targetOf)).toEqual(['crm', 'desk']);
    expect(deliveries.map((d) => [d.source, 'object' in d.upsert ? d.upsert.object : d.upsert.path, d.state])).toEqual([
      ['chat', '/api/v2/contacts/upsert', 'queued'],
      ['chat', 'sys_user', 'queued'],
    ]);
    expect(store.delivery.forTarget('crm')).toBe(crm);

    const [fromCrm] = await claimWithin(crm, 1);
    expect(fromCrm).toMatchObject({ eventId: 'fan-1', target: 'crm', source: 'chat', stale: false });
    expect(fromCrm.upsert).toEqual(deliveries[0].upsert);
    const [fromDesk] = await claimWithin(desk, 1);
    expect(fromDesk).toMatchObject({ eventId: 'fan-1', target: 'desk', stale: false });
    expect(fromDesk.upsert).toEqual(deliveries[1].upsert);
    expect(await claimDuring(store.delivery)).toEqual([]);
    expect(await claimDuring(crm)).toEqual([]);
  });

  it('keeps each delivery’s state, attempts and history its own; the event’s state is derived', async () => {
    await store.intake.enqueue(fannedOut('fan-2'));
    await claimWithin(crm, 1);
    await claimWithin(desk, 1);
    const sent = { at: T0, status: 200, error: null, durationMs: 4 };
    await crm.markDelivered('fan-2', 1, { ...OK, crmRecordId: '003X', created: true }, [sent]);
    await desk.markDead('fan-2', 1, REFUSED, [{ ...sent, status: 400, error: REFUSED.error }]);

    const [toCrm, toDesk] = await store.operators.deliveriesOf('fan-2');
    expect(toCrm).toMatchObject({ state: 'delivered', attempts: 1, crmRecordId: '003X', created: true });
    expect(toDesk).toMatchObject({ state: 'dead', attempts: 1, lastStatus: 400, crmRecordId: null });
    expect(eventStateOf([toCrm, toDesk])).toBe('dead');
    expect(await store.operators.attemptsOf('fan-2', 'crm')).toEqual([sent]);
    expect(await store.operators.attemptsOf('fan-2', 'desk')).toEqual([{ ...sent, status: 400, error: REFUSED.error }]);
    expect(await store.operators.attemptsOf('fan-2')).toHaveLength(2);
    expect(await store.operators.get('fan-2', 'desk')).toMatchObject({ state: 'dead' });
    expect(await store.operators.get('fan-2')).toMatchObject({ target: 'crm', state: 'delivered' });

    // Dead letters are deliveries: desk's alone, filtered and replayed by target.
    const dead = await store.operators.listDead(10, undefined, { target: 'desk' });
    expect(dead.items.map((d) => [d.eventId, targetOf(d)])).toEqual([['fan-2', 'desk']]);
    expect((await store.operators.listDead(10, undefined, { target: 'crm' })).items).toEqual([]);
    expect(await store.operators.countDead({ source: 'chat' })).toBe(1);
    expect(await store.operators.replayDead('fan-2', 'crm')).toBe(false);
    expect(await store.operators.replayDead('fan-2', 'desk')).toBe(true);
    const [again] = await claimWithin(desk, 1);
    expect(again).toMatchObject({ eventId: 'fan-2', target: 'desk', attempts: 0, replays: 1 });
    await desk.markDelivered('fan-2', 1, OK);
    expect(eventStateOf(await store.operators.deliveriesOf('fan-2'))).toBe('delivered');
    // The replayed delivery's history keeps its first attempt.
    expect(await store.operators.attemptsOf('fan-2', 'desk')).toHaveLength(1);
  });

  it('orders per (target, record): a slow target holds back only its own later events of that record', async () => {
    await store.intake.enqueue(fannedOut('older', 'C-SAME', T0));
    await store.intake.enqueue(fannedOut('newer', 'C-SAME', T0 + 1000));

    expect(eventIds(await claimWithin(desk, 1))).toEqual(['older']);
    // crm's head of C-SAME is free although desk holds its own.
    expect(eventIds(await claimWithin(crm, 1))).toEqual(['older']);
    await crm.markDelivered('older', 1, OK);
    expect(eventIds(await claimWithin(crm, 1))).toEqual(['newer']);
    expect(await claimDuring(desk)).toEqual([]);
    await crm.markDelivered('newer', 1, OK);
    await desk.scheduleRetry('older', 1, Date.now(), { status: 503, error: 'CRM answered 503' });
    expect(eventIds(await claimWithin(desk, 1))).toEqual(['older']);
  });

  it('judges staleness per target: an event older than one a target delivered is stale for that target only', async () => {
    await store.intake.enqueue(fannedOut('late-newer', 'C-ST', T0 + 5000));
    await claimWithin(crm, 1);
    await crm.markDelivered('late-newer', 1, OK);
    await store.intake.enqueue(fannedOut('late-older', 'C-ST', T0));

    const [forCrm] = await claimWithin(crm, 1);
    expect(forCrm).toMatchObject({ eventId: 'late-older', stale: true });
    await crm.markStale('late-older');
    // desk delivered nothing of C-ST: its older event is its record's head, sent as usual.
    const forDesk = await claimWithin(desk, 2);
    expect(forDesk.map((d) => [d.eventId, d.stale])).toEqual([['late-older', false]]);
  });

  it('dedups per event: the same id or body is a duplicate whatever its targets; nothing half-stored', async () => {
    expect((await store.intake.enqueue({ ...fannedOut('dup'), bodyHash: 'h-dup' })).outcome).toBe('accepted');
    expect((await store.intake.enqueue(fannedOut('dup'))).outcome).toBe('duplicate');
    expect(await store.intake.enqueue({ ...dueEvent({ eventId: 'other-id' }), bodyHash: 'h-dup' })).toEqual({
      outcome: 'duplicate',
      eventId: 'dup',
    });
    // The id alone, to the default target only: still the same event.
    expect((await store.intake.enqueue(dueEvent({ eventId: 'dup' }))).outcome).toBe('duplicate');
    expect((await store.operators.deliveriesOf('dup')).map(targetOf)).toEqual(['crm', 'desk']);
    expect(await store.operators.deliveriesOf('other-id')).toEqual([]);
  });

  it('counts deliveries per target and searches and deletes by target and source', async () => {
    await store.intake.enqueue(fannedOut('count-1'));
    await store.intake.enqueue(fannedOut('count-2'));
    await store.intake.enqueue(dueEvent({ eventId: 'plain' }));
    await claimWithin(desk, 2);
    await desk.markDead('count-1', 1, REFUSED);
    await desk.markDelivered('count-2', 1, OK);

    const counts = await store.operators.countByTarget();
    expect(counts.crm).toEqual({ queued: 2, delivered: 0, dead: 0, stale: 0 });
    expect(counts.desk).toEqual({ queued: 0, delivered: 1, dead: 1, stale: 0 });
    expect(counts.default).toEqual({ queued: 1, delivered: 0, dead: 0, stale: 0 });
    expect(await store.health.countByTarget()).toEqual(counts);
    expect(await store.operators.countByState()).toEqual({ queued: 3, delivered: 1, dead: 1, stale: 0 });

    const bySource = await store.operators.search({ source: 'chat' }, 10);
    expect(bySource.items.map((d) => `${d.eventId}/${targetOf(d)}`)).toEqual([
      'count-2/desk',
      'count-2/crm',
      'count-1/desk',
      'count-1/crm',
    ]);
    const deskQueued = await store.operators.search({ target: 'desk', state: 'queued' }, 10);
    expect(deskQueued.items).toEqual([]);

    expect(await store.operators.deleteDead('count-1', 'crm')).toBe(false);
    expect(await store.operators.deleteDead('count-1', 'desk')).toBe(true);
    expect((await store.operators.deliveriesOf('count-1')).map(targetOf)).toEqual(['crm']);
    // Its other delivery keeps the event known.
    expect((await store.intake.enqueue(fannedOut('count-1'))).outcome).toBe('duplicate');
  });
});
