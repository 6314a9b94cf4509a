import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CrmBreaker } from '../../crm/client/crm-breaker';
import { TokenProvider } from '../../crm/token/token-provider';

/**
 * Always up: an open breaker or a failing token endpoint does not stop the service from
 * accepting events durably (SPEC §5). The details tell operators what the CRM side looks like.
 */
@Injectable()
export class CrmHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly breaker: CrmBreaker,
    private readonly tokens: TokenProvider,
  ) {}

  check(key: string) {
    return this.health.check(key).up({ breaker: this.breaker.state, token: this.tokens.state() });
  }
}
