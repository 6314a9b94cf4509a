import { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { aroundExchange } from '../outbound/around-exchange';
import { BreakerOpenError, CrmBreaker } from './crm-breaker';

/** 408, 5xx: the CRM is in trouble (network errors and timeouts count too). */
export const isBreakerFailureStatus = (status: number) => status === 408 || status >= 500;

/** A 408/5xx answer, thrown inside the breaker so that it counts as a failure there. */
class BreakerFailure extends Error {
  constructor(readonly response: AxiosResponse) {
    super(`CRM answered ${response.status}`);
  }
}

/**
 * The circuit breaker of one CRM client instance, as an axios request interceptor that runs before
 * the token's. While the breaker is open it refuses the request (BreakerOpenError): no token is
 * fetched and nothing is sent. Otherwise the request's exchange (its adapter: sending it and
 * reading the answer) runs inside the breaker, after the token was attached: 408, 5xx, network
 * errors and timeouts are failures, any other answer a success; half-open, the breaker lets one
 * exchange through and refuses the others. A token that cannot be had is no outcome for the
 * breaker (the CRM was not asked), which is why admission waits for the exchange.
 */
export class BreakerInterceptor {
  constructor(private readonly breaker: CrmBreaker) {}

  readonly intercept = (config: InternalAxiosRequestConfig): InternalAxiosRequestConfig => {
    if (this.breaker.state === 'open') throw new BreakerOpenError();
    return aroundExchange(config, (exchange, request) => this.guarded(exchange, request));
  };

  private async guarded(exchange: AxiosAdapter, request: InternalAxiosRequestConfig): Promise<AxiosResponse> {
    try {
      return await this.breaker.fire(async () => {
        const response = await exchange(request);
        if (isBreakerFailureStatus(response.status)) throw new BreakerFailure(response);
        return response;
      });
    } catch (error) {
      if (error instanceof BreakerFailure) return error.response;
      throw error;
    }
  }
}
