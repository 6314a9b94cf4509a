import { Injectable } from '@nestjs/common';
import { BreakerState } from '../telemetry/telemetry-signals';
import { CrmBreaker } from './client/crm-breaker';
import { TokenProvider, TokenState } from './token/token-provider';

/** What the Crm module tells others about the CRM side (health details, metrics gauges). */
export abstract class CrmStatus {
  abstract breakerState(): BreakerState;
  abstract tokenState(): TokenState;
}

@Injectable()
export class LiveCrmStatus extends CrmStatus {
  constructor(
    private readonly breaker: CrmBreaker,
    private readonly tokens: TokenProvider,
  ) {
    super();
  }

  breakerState(): BreakerState {
    return this.breaker.state;
  }

  tokenState(): TokenState {
    return this.tokens.state();
  }
}
