import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { DEFAULT_ROUTE_NAME, routingConfig, SourceConfig } from '../../config/routing.config';
import { UnknownSourceError } from './webhook-errors';
import { WebhookRequest } from './webhook-request';

/**
 * The sources webhooks arrive on: `POST /webhooks/cognigy/<source>/…` (the `source` route
 * parameter) or the unnamed routes, which are the source `default`. Without ROUTES_FILE the one
 * source is `default`, from the WEBHOOK_* variables.
 */
@Injectable()
export class WebhookSources {
  private readonly byName: ReadonlyMap<string, SourceConfig>;

  constructor(@Inject(routingConfig.KEY) routing: ConfigType<typeof routingConfig>) {
    this.byName = new Map(routing.sources.map((source) => [source.name, source]));
  }

  get all(): SourceConfig[] {
    return [...this.byName.values()];
  }

  /** The request's source, from its `source` route parameter; 404 when no source has that name. */
  of(req: WebhookRequest): SourceConfig {
    const name = (req.params as Record<string, string | undefined>).source ?? DEFAULT_ROUTE_NAME;
    const source = this.byName.get(name);
    if (!source) throw new UnknownSourceError(name);
    return source;
  }
}
