import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CrmStatus } from '../../crm/crm-status';
import { routingConfig } from '../../config/routing.config';
import { TargetReport, TargetStatus } from '../../crm/target-status';
import { TargetDepths } from './target-depths';

/** The token state as shown: its error text only to the admin, else whether it is failing. */
const tokenView = ({ lastError, ...token }: TargetReport['token'], withErrors: boolean) =>
  withErrors ? { ...token, lastError } : { ...token, failing: lastError !== null };

/**
 * Always up: an open breaker or a failing token endpoint does not stop the service from
 * accepting events durably. The details tell operators what the CRM side looks like;
 * error texts of the token endpoint only when `withErrors` (the admin asks). With ROUTES_FILE they
 * list each target too: its connector, breaker, token, deliveries in flight and queue depth.
 */
@Injectable()
export class CrmHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly crm: CrmStatus,
    private readonly targets: TargetStatus,
    @Inject(routingConfig.KEY) private readonly routing: ConfigType<typeof routingConfig>,
    private readonly depths: TargetDepths,
  ) {}

  async check(key: string, withErrors: boolean) {
    const primary = { breaker: this.crm.breakerState(), token: tokenView(this.crm.tokenState(), withErrors) };
    if (!this.routing.fromFile) return this.health.check(key).up(primary);
    const counts = await this.depths.read();
    const targets = Object.fromEntries(
      this.targets.targets().map(({ name, connector, breaker, token, activeDeliveries }) => [
        name,
        {
          connector,
          breaker,
          token: tokenView(token, withErrors),
          inFlight: activeDeliveries,
          queued: counts === null ? null : (counts[name]?.queued ?? 0),
          dead: counts === null ? null : (counts[name]?.dead ?? 0),
        },
      ]),
    );
    return this.health.check(key).up({ ...primary, targets });
  }
}
