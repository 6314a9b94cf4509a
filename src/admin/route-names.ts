import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { RouteNameLists, routeNamesOf, routingConfig } from '../config/routing.config';
import { NotFoundError, UnknownRouteNameError } from './admin-errors';

/**
 * The sources and targets of the routing configuration, for the admin filters and views. Without
 * ROUTES_FILE (`routed` false) both are `default` alone and the views keep today's fields.
 */
@Injectable()
export class RouteNames {
  private readonly names: RouteNameLists;

  constructor(@Inject(routingConfig.KEY) routing: ConfigType<typeof routingConfig>) {
    this.names = routeNamesOf(routing);
  }

  get routed(): boolean {
    return this.names.routed;
  }

  get targets(): readonly string[] {
    return this.names.targets;
  }

  /** Whether a routing file is loaded, and the names its `source` and `target` filters take. */
  lists(): RouteNameLists {
    return { routed: this.names.routed, sources: [...this.names.sources], targets: [...this.targets] };
  }

  /** Throws a 400 naming every filter whose name the configuration does not hold. */
  check(filters: { source?: string; target?: string }): void {
    const problems = [
      ...this.unknown('source', filters.source, this.names.sources),
      ...this.unknown('target', filters.target, this.targets),
    ];
    if (problems.length > 0) throw new UnknownRouteNameError(problems);
  }

  /**
   * The `target` of a per-delivery route, as the store takes it: a 404 (`what` not found, naming
   * the targets) for anything but a name of the configuration, since no delivery has it.
   */
  deliveryTarget(what: string, target: unknown): string | undefined {
    if (target === undefined) return undefined;
    if (typeof target === 'string' && this.targets.includes(target)) return target;
    throw new NotFoundError(what, `${what} not found: target must be one of ${this.targets.join(', ')}`);
  }

  private unknown(name: string, value: string | undefined, known: readonly string[]): string[] {
    if (value === undefined || known.includes(value)) return [];
    return [`${name} must be one of ${known.join(', ')}`];
  }
}
