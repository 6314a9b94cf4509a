import { Gauge } from 'prom-client';
import { StoreHealth } from '../queue/store-health';
import { EventState } from '../queue/stored-event';
import { TargetQueueDepths } from './target-queue-depths';

type Counts = Record<string, Record<EventState, number>>;

const held = (queued: number, dead: number, delivered = 0): Record<EventState, number> => ({
  queued,
  dead,
  delivered,
  stale: 0,
});

/** A store whose countByTarget answers `next` (null: it throws, as a store that is away). */
function storeAnswering(): { store: StoreHealth; next: { counts: Counts | null } } {
  const next: { counts: Counts | null } = { counts: {} };
  const countByTarget = async () => {
    if (next.counts === null) throw new Error('store away');
    return next.counts;
  };
  return { store: { countByTarget } as unknown as StoreHealth, next };
}

/** The gauge's series after one read, as `target state` → value. */
async function read(depths: TargetQueueDepths): Promise<Record<string, number>> {
  const gauge = new Gauge({ name: 'queue_events', help: 'h', labelNames: ['state', 'target'], registers: [] });
  await depths.set(gauge);
  const { values } = await gauge.get();
  return Object.fromEntries(values.map(({ labels, value }) => [`${labels.target} ${labels.state}`, value]));
}

describe('TargetQueueDepths', () => {
  it('reads every configured target (0 when it has nothing stored) and every other target holding queued or dead deliveries', async () => {
    const { store, next } = storeAnswering();
    next.counts = { crm: held(2, 0, 7), retired: held(1, 3), past: held(0, 0, 5) };
    expect(await read(new TargetQueueDepths(store, ['crm', 'desk']))).toEqual({
      'crm queued': 2,
      'crm dead': 0,
      'desk queued': 0,
      'desk dead': 0,
      'retired queued': 1,
      'retired dead': 3,
    });
  });

  it('keeps a removed target at 0 once its deliveries are gone, and NaN for every series while the store is away', async () => {
    const { store, next } = storeAnswering();
    const depths = new TargetQueueDepths(store, ['crm']);
    next.counts = { crm: held(0, 0), retired: held(0, 2) };
    expect(await read(depths)).toMatchObject({ 'retired dead': 2 });
    next.counts = { crm: held(1, 0) };
    expect(await read(depths)).toEqual({ 'crm queued': 1, 'crm dead': 0, 'retired queued': 0, 'retired dead': 0 });
    next.counts = null;
    const away = await read(depths);
    expect(Object.keys(away).sort()).toEqual(['crm dead', 'crm queued', 'retired dead', 'retired queued']);
    expect(Object.values(away).every(Number.isNaN)).toBe(true);
  });

  it('has only the configured series, NaN, when the store is away from the first scrape', async () => {
    const { store, next } = storeAnswering();
    next.counts = null;
    const first = await read(new TargetQueueDepths(store, ['crm']));
    expect(Object.keys(first).sort()).toEqual(['crm dead', 'crm queued']);
    expect(Object.values(first).every(Number.isNaN)).toBe(true);
  });
});
