import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { routeNamesOf, routingConfig } from '../config/routing.config';
import { DEFAULT_SOURCE, DEFAULT_TARGET } from '../queue/stored-event';

type Labels = Record<string, string>;

/**
 * The `target` and `source` labels, bounded by the routing configuration. Without ROUTES_FILE the
 * series keep the label sets they always had (no `target`, no `source`), so dashboards, alerts and
 * scrapes written for one CRM read the same series; with it, every delivery series carries
 * `target` and every webhook series `source`, one value per name in the file (queue_events also
 * has each target the store still holds queued or dead deliveries of: target-queue-depths.ts).
 */
@Injectable()
export class RouteLabels {
  /** Whether the series carry the labels (a ROUTES_FILE is loaded). */
  readonly routed: boolean;
  readonly targets: readonly string[];
  readonly sources: readonly string[];

  constructor(@Inject(routingConfig.KEY) routing: ConfigType<typeof routingConfig>) {
    ({ routed: this.routed, sources: this.sources, targets: this.targets } = routeNamesOf(routing));
  }

  /** The label names a delivery series adds to its own. */
  targetNames(): string[] {
    return this.routed ? ['target'] : [];
  }

  /** The label names a webhook series adds to its own. */
  sourceNames(): string[] {
    return this.routed ? ['source'] : [];
  }

  /**
   * The `target` label of a signal (unnamed: `default`): `{}` without routing, null for a name the
   * configuration does not hold (never a series of its own: labels stay bounded).
   */
  target(name: string | undefined): Labels | null {
    return this.label('target', name ?? DEFAULT_TARGET, this.targets);
  }

  /** The `source` label, as `target`. */
  source(name: string | undefined): Labels | null {
    return this.label('source', name ?? DEFAULT_SOURCE, this.sources);
  }

  /** `sets` once per target (with its `target` label), or as they are without routing. */
  readonly perTarget = (sets: Labels[]): Labels[] =>
    this.routed ? this.targets.flatMap((target) => sets.map((labels) => ({ ...labels, target }))) : sets;

  /** `sets` once per source (with its `source` label), or as they are without routing. */
  readonly perSource = (sets: Labels[]): Labels[] =>
    this.routed ? this.sources.flatMap((source) => sets.map((labels) => ({ ...labels, source }))) : sets;

  private label(name: string, value: string, known: readonly string[]): Labels | null {
    if (!this.routed) return {};
    return known.includes(value) ? { [name]: value } : null;
  }
}
