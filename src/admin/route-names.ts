import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { RouteNameLists, routeNamesOf, routingConfig } from '../config/routing.config';
import { OperatorEvents } from '../queue/operator-events';
import { targetsHoldingDeliveries } from '../queue/store-health';
import { NotFoundError, UnknownRouteNameError } from './admin-errors';

/** GET /admin/route-names: the configuration's names, and the removed targets still holding deliveries. */
export interface RouteNameAnswer extends RouteNameLists {
  removedTargets: string[];
}

/**
 * The sources and targets of the routing configuration, for the admin filters and views. Without
 * ROUTES_FILE (`routed` false) both are `default` alone and the views keep today's fields.
 * A `target` filter or per-delivery route also takes a removed target: one the configuration no
 * longer names whose queued or dead deliveries the store still holds, so an operator can list,
 * inspect and delete exactly those (docs/routing.md, "Removing a target"). The store is asked only
 * for a name the configuration does not hold: the common path costs no store read.
 */
@Injectable()
export class RouteNames {
  private readonly names: RouteNameLists;

  constructor(
    @Inject(routingConfig.KEY) routing: ConfigType<typeof routingConfig>,
    private readonly store: OperatorEvents,
  ) {
    this.names = routeNamesOf(routing);
  }

  get routed(): boolean {
    return this.names.routed;
  }

  /** The configuration's targets: those a runtime delivers to. */
  get targets(): readonly string[] {
    return this.names.targets;
  }

  /** Whether the configuration names `target`, i.e. whether anything delivers its deliveries. */
  configures(target: string): boolean {
    return this.names.targets.includes(target);
  }

  /**
   * The targets the store holds queued or dead deliveries of that the configuration does not name
   * (removed from ROUTES_FILE, or all but `default` once the file is dropped); sorted. A store read.
   */
  async removedTargets(): Promise<string[]> {
    return targetsHoldingDeliveries(await this.store.countByTarget()).filter((target) => !this.configures(target));
  }

  /** Whether a routing file is loaded, the names its `source` and `target` filters take, and the removed targets. */
  async lists(): Promise<RouteNameAnswer> {
    const { routed, sources, targets } = this.names;
    return { routed, sources: [...sources], targets: [...targets], removedTargets: await this.removedTargets() };
  }

  /** Throws a 400 naming every filter whose name is neither the configuration's nor a removed target's. */
  async check(filters: { source?: string; target?: string }): Promise<void> {
    const problems: string[] = [];
    if (filters.source !== undefined && !this.names.sources.includes(filters.source)) {
      problems.push(`source must be one of ${this.names.sources.join(', ')}`);
    }
    const { target } = filters;
    if (target !== undefined && !this.configures(target)) {
      const removed = await this.removedTargets();
      if (!removed.includes(target)) problems.push(`target must be one of ${this.targetChoices(removed)}`);
    }
    if (problems.length > 0) throw new UnknownRouteNameError(problems);
  }

  /**
   * The `target` of a per-delivery route, as the store takes it: a 404 (`what` not found, naming
   * the targets) for anything but a configured or removed target's name, since no delivery has it.
   */
  async deliveryTarget(what: string, target: unknown): Promise<string | undefined> {
    if (target === undefined) return undefined;
    if (typeof target === 'string' && this.configures(target)) return target;
    const removed = await this.removedTargets();
    if (typeof target === 'string' && removed.includes(target)) return target;
    throw new NotFoundError(what, `${what} not found: target must be one of ${this.targetChoices(removed)}`);
  }

  /** The names a target filter takes, in words: the configuration's, then any removed one's. */
  private targetChoices(removed: readonly string[]): string {
    const configured = this.names.targets.join(', ');
    if (removed.length === 0) return configured;
    return `${configured}, or of ${removed.join(', ')} (removed from ROUTES_FILE, deliveries still stored)`;
  }
}
