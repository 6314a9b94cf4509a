import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CrmStatus } from '../../crm/crm-status';

/**
 * Always up: an open breaker or a failing token endpoint does not stop the service from
 * accepting events durably. The details tell operators what the CRM side looks like;
 * error texts of the token endpoint only when `withErrors` (the admin asks).
 */
@Injectable()
export class CrmHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly crm: CrmStatus,
  ) {}

  check(key: string, withErrors: boolean) {
    const { lastError, ...token } = this.crm.tokenState();
    return this.health.check(key).up({
      breaker: this.crm.breakerState(),
      token: withErrors ? { ...token, lastError } : { ...token, failing: lastError !== null },
    });
  }
}
