import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { RoutingConfig, routingConfig } from '../config/routing.config';
import { StoreHealth, targetsHoldingDeliveries } from '../queue/store-health';

/**
 * At startup, once the store is open: one warning per target the store holds queued or dead
 * deliveries of that has no runtime, because ROUTES_FILE no longer names it (or there is no
 * ROUTES_FILE and it is not `default`). Nothing claims those deliveries, and the alert on the
 * oldest queued event names no target, so this line says which target, how many, and what to do.
 * Only names and counts are logged. A store that cannot count now does not stop startup: the
 * readiness probe reports it.
 */
@Injectable()
export class RemovedTargetsWarning implements OnApplicationBootstrap {
  private readonly logger = new Logger(RemovedTargetsWarning.name);

  constructor(
    @Inject(routingConfig.KEY) private readonly routing: RoutingConfig,
    private readonly store: StoreHealth,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const counts = await this.store.countByTarget().catch((error: Error) => {
      this.logger.warn(`Stored deliveries of removed targets not checked: ${error.message}`);
      return null;
    });
    if (counts === null) return;
    const running = new Set(this.routing.targets.map((target) => target.name));
    for (const target of targetsHoldingDeliveries(counts)) {
      if (running.has(target)) continue;
      const { queued, dead } = counts[target];
      this.logger.warn({ target, queued, dead, msg: removedTargetMessage(target, queued, dead) });
    }
  }
}

/** What to do, with the routes that act on this target's deliveries alone (the admin API takes its name). */
function removedTargetMessage(target: string, queued: number, dead: number): string {
  return (
    `Target ${target}: ${queued} queued and ${dead} dead deliveries stored, not delivered while ROUTES_FILE ` +
    `does not name it. Name it in ROUTES_FILE again to deliver them (then replay its dead letters: ` +
    `POST /admin/dead-letters/replay?target=${target}), or list its dead letters ` +
    `(GET /admin/dead-letters?target=${target}) and delete them (DELETE /admin/dead-letters/<eventId>?target=${target}); ` +
    `docs/routing.md, "Removing a target"`
  );
}
