import { RoutingConfig } from '../config/routing.config';
import { OperatorEvents } from '../queue/operator-events';
import { DeadLetterFilter, EventState, StoredEvent } from '../queue/stored-event';
import { RemovedTargetReplayError } from './admin-errors';
import { DeadLetterReplays } from './dead-letter-replays';
import { RouteNames } from './route-names';

/** Dead deliveries by `eventId target`, and the calls a replay makes of the store. */
class DeadDeliveries {
  calls: string[] = [];
  constructor(private readonly dead: string[]) {}

  deliveriesOf(eventId: string): Promise<StoredEvent[]> {
    const targets = this.dead.filter((ref) => ref.startsWith(`${eventId} `)).map((ref) => ref.split(' ')[1]);
    return Promise.resolve(targets.map((target) => ({ eventId, target, state: 'dead' }) as StoredEvent));
  }

  countByTarget(): Promise<Record<string, Record<EventState, number>>> {
    const counts: Record<string, Record<EventState, number>> = {};
    for (const ref of this.dead) {
      const target = ref.split(' ')[1];
      counts[target] ??= { queued: 0, delivered: 0, dead: 0, stale: 0 };
      counts[target].dead++;
    }
    return Promise.resolve(counts);
  }

  countDead(filter: DeadLetterFilter): Promise<number> {
    this.calls.push(`countDead ${filter.target ?? '*'}`);
    return Promise.resolve(
      this.dead.filter((ref) => filter.target === undefined || ref.endsWith(` ${filter.target}`)).length,
    );
  }

  replayDead(eventId: string, target?: string): Promise<boolean> {
    this.calls.push(`replayDead ${eventId} ${target ?? '*'}`);
    return Promise.resolve(true);
  }
}

/** Targets crm and desk configured; the store holds `dead`. */
function replays(dead: string[]) {
  const store = new DeadDeliveries(dead);
  const routing = { fromFile: true, sources: [{ name: 'chat' }], targets: [{ name: 'crm' }, { name: 'desk' }] };
  const events = store as unknown as OperatorEvents;
  const names = new RouteNames(routing as unknown as RoutingConfig, events);
  return { replays: new DeadLetterReplays(events, names), store };
}

describe('DeadLetterReplays', () => {
  it("refuses an event's replay whose dead deliveries are all of removed targets, naming each", async () => {
    const { replays: service, store } = replays(['e1 old', 'e1 gone']);
    const refusal = await service.replayEvent('e1', undefined).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RemovedTargetReplayError);
    expect((refusal as Error).message).toBe(
      'Dead letters of targets old, gone not replayed: ROUTES_FILE does not name them, so nothing would deliver ' +
        'them. Name them in ROUTES_FILE again and restart first, or delete the dead letters: ' +
        'DELETE /admin/dead-letters/<eventId>?target=<name>',
    );
    expect(store.calls).toEqual([]);
  });

  it("replays each configured target's dead delivery of the event on its own, passing the removed one by", async () => {
    const { replays: service, store } = replays(['e1 crm', 'e1 old', 'e1 desk']);
    expect(await service.replayEvent('e1', undefined)).toEqual({
      eventId: 'e1',
      state: 'queued',
      skippedTargets: ['old'],
    });
    expect(store.calls).toEqual(['replayDead e1 crm', 'replayDead e1 desk']);
  });

  it('counts a dry run per configured target while a removed target holds dead letters', async () => {
    const { replays: service, store } = replays(['e1 crm', 'e1 old', 'e2 old', 'e3 desk']);
    expect(await service.replayMatching({}, true)).toEqual({ count: 2, skippedByTarget: { old: 2 } });
    expect(store.calls).toEqual(['countDead old', 'countDead crm', 'countDead desk']);
  });
});
