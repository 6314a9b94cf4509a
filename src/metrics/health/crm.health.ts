import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CrmStatus } from '../../crm/crm-status';
import { TargetStatus } from '../../crm/target-status';
import { TokenState } from '../../crm/token/token-provider';
import { RouteLabels } from '../route-labels';
import { TargetDepths } from './target-depths';

/** The token state as shown: its error text only to the admin, else whether it is failing. */
const tokenView = ({ lastError, ...token }: TokenState, withErrors: boolean) =>
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
    private readonly routes: RouteLabels,
    private readonly depths: TargetDepths,
  ) {}

  async check(key: string, withErrors: boolean) {
    const primary = { breaker: this.crm.breakerState(), token: tokenView(this.crm.tokenState(), withErrors) };
    if (!this.routes.routed) return this.health.check(key).up(primary);
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
