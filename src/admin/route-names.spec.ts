import { RoutingConfig } from '../config/routing.config';
import { OperatorEvents } from '../queue/operator-events';
import { EventState } from '../queue/stored-event';
import { NotFoundError, UnknownRouteNameError } from './admin-errors';
import { RouteNames } from './route-names';

type Counts = Record<string, Record<EventState, number>>;
const counts = (queued: number, dead: number, delivered = 0) => ({ queued, dead, delivered, stale: 0 });

/** countByTarget, the one store call RouteNames makes, counted. */
class StoredTargets {
  reads = 0;
  constructor(private readonly byTarget: Counts) {}
  countByTarget(): Promise<Counts> {
    this.reads++;
    return Promise.resolve(this.byTarget);
  }
}

/** Sources chat and voice, targets crm and desk (a file's); the store holds `byTarget`. */
function routeNames(byTarget: Counts) {
  const store = new StoredTargets(byTarget);
  const routing = {
    fromFile: true,
    sources: [{ name: 'chat' }, { name: 'voice' }],
    targets: [{ name: 'crm' }, { name: 'desk' }],
    routes: [],
  } as unknown as RoutingConfig;
  return { names: new RouteNames(routing, store as unknown as OperatorEvents), store };
}

/** The messages of what `run` throws, or null when it resolves. */
async function problems(run: () => Promise<unknown>): Promise<string[] | null> {
  try {
    await run();
    return null;
  } catch (error) {
    if (error instanceof UnknownRouteNameError) return error.details;
    if (error instanceof NotFoundError) return [error.message];
    throw error;
  }
}

describe('RouteNames', () => {
  // `old` holds queued and dead deliveries, `gone` only delivered ones: only `old` is a removed target.
  const stored = { crm: counts(1, 0), old: counts(1, 2), gone: counts(0, 0, 5) };

  it('takes a removed target the store holds queued or dead deliveries of, asking the store only for it', async () => {
    const { names, store } = routeNames(stored);
    await names.check({ source: 'chat', target: 'desk' });
    expect(await names.deliveryTarget('Dead letter', 'crm')).toBe('crm');
    expect(store.reads).toBe(0);
    expect(await problems(() => names.check({ target: 'old' }))).toBeNull();
    expect(await names.deliveryTarget('Dead letter', 'old')).toBe('old');
    expect(store.reads).toBe(2);
    expect(names.configures('old')).toBe(false);
  });

  it('refuses any other name, listing the removed targets beside the configured ones', async () => {
    const { names } = routeNames(stored);
    const targets = 'crm, desk, or of old (removed from ROUTES_FILE, deliveries still stored)';
    expect(await problems(() => names.check({ source: 'web', target: 'gone' }))).toEqual([
      'source must be one of chat, voice',
      `target must be one of ${targets}`,
    ]);
    expect(await problems(() => names.deliveryTarget('Event', 'gone'))).toEqual([
      `Event not found: target must be one of ${targets}`,
    ]);
    expect(await problems(() => names.deliveryTarget('Event', ['old', 'crm']))).toEqual([
      `Event not found: target must be one of ${targets}`,
    ]);
  });

  it('lists the removed targets apart from the configured names', async () => {
    const { names } = routeNames(stored);
    expect(await names.lists()).toEqual({
      routed: true,
      sources: ['chat', 'voice'],
      targets: ['crm', 'desk'],
      removedTargets: ['old'],
    });
  });
});
