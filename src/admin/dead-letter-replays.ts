import { Injectable } from '@nestjs/common';
import { OperatorEvents } from '../queue/operator-events';
import { DeadLetterFilter, targetOf } from '../queue/stored-event';
import { NotFoundError, RemovedTargetReplayError } from './admin-errors';
import { RouteNames } from './route-names';

/** One event replayed: the target asked for, or the removed targets whose dead deliveries it left dead. */
export interface EventReplay {
  eventId: string;
  state: 'queued';
  target?: string;
  skippedTargets?: string[];
}

/** A bulk replay or its dry run: how many, and per removed target how many matching dead letters it left. */
export interface BulkReplay {
  count: number;
  skippedByTarget?: Record<string, number>;
}

/**
 * Dead letters back to queued, never those of a target the configuration does not name (removed
 * from ROUTES_FILE): no runtime claims such a delivery, so a replay would only move it from dead
 * (listed, deletable) to queued for good. Named, such a target is refused (409); left unnamed, a
 * replay passes its dead deliveries by, leaves them dead and says so (docs/routing.md, "Removing a
 * target").
 */
@Injectable()
export class DeadLetterReplays {
  constructor(
    private readonly store: OperatorEvents,
    private readonly routes: RouteNames,
  ) {}

  /** The event's dead delivery to `target`; without one, each of its dead deliveries to a configured target. */
  async replayEvent(eventId: string, target: string | undefined): Promise<EventReplay> {
    if (target !== undefined) {
      this.refuseRemoved(target);
      if (!(await this.store.replayDead(eventId, target))) throw new NotFoundError('Dead letter');
      return { eventId, state: 'queued', target };
    }
    const deadTargets = (await this.store.deliveriesOf(eventId)).filter((d) => d.state === 'dead').map(targetOf);
    if (deadTargets.length === 0) throw new NotFoundError('Dead letter');
    const replayable = deadTargets.filter((t) => this.routes.configures(t));
    const skippedTargets = deadTargets.filter((t) => !this.routes.configures(t));
    if (replayable.length === 0) throw new RemovedTargetReplayError(skippedTargets);
    // Nothing to pass by: one call replays them all (one statement, with SQLite).
    const replayed =
      skippedTargets.length === 0 ? await this.store.replayDead(eventId) : await this.replayEach(eventId, replayable);
    if (!replayed) throw new NotFoundError('Dead letter');
    return { eventId, state: 'queued', ...(skippedTargets.length === 0 ? {} : { skippedTargets }) };
  }

  /** Whether any of the event's dead deliveries to `targets` was replayed. */
  private async replayEach(eventId: string, targets: string[]): Promise<boolean> {
    let replayed = false;
    for (const target of targets) if (await this.store.replayDead(eventId, target)) replayed = true;
    return replayed;
  }

  /**
   * Every dead letter `filter` matches (`dryRun`: counted, nothing changed). Without a target
   * filter, while removed targets hold deliveries, one call per configured target, and the removed
   * targets' matching dead letters counted as skipped.
   */
  async replayMatching(filter: DeadLetterFilter, dryRun: boolean): Promise<BulkReplay> {
    const act = (f: DeadLetterFilter) => (dryRun ? this.store.countDead(f) : this.store.replayAllDead(f));
    if (filter.target !== undefined) {
      this.refuseRemoved(filter.target);
      return { count: await act(filter) };
    }
    const removed = await this.routes.removedTargets();
    if (removed.length === 0) return { count: await act(filter) };
    const skippedByTarget: Record<string, number> = {};
    for (const target of removed) {
      const skipped = await this.store.countDead({ ...filter, target });
      if (skipped > 0) skippedByTarget[target] = skipped;
    }
    let count = 0;
    for (const target of this.routes.targets) count += await act({ ...filter, target });
    return Object.keys(skippedByTarget).length === 0 ? { count } : { count, skippedByTarget };
  }

  private refuseRemoved(target: string): void {
    if (!this.routes.configures(target)) throw new RemovedTargetReplayError([target]);
  }
}
