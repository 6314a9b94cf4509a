import axios, { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios';

/** What an interceptor does around a request's exchange: it calls `exchange(request)` itself. */
export type AroundExchange = (exchange: AxiosAdapter, request: InternalAxiosRequestConfig) => Promise<AxiosResponse>;

/**
 * For a request interceptor (the breaker's, the tracing one): `around` wraps the request's exchange,
 * its adapter. The request reaches the exchange with its own adapter back, so a replay of it (after
 * a 401) is wrapped once more, not twice. The config is changed in place rather than copied: it is
 * this request's own (axios merges one per request), and this runs on every delivery.
 */
export function aroundExchange(config: InternalAxiosRequestConfig, around: AroundExchange): InternalAxiosRequestConfig {
  const own = config.adapter;
  const exchange = axios.getAdapter(own);
  config.adapter = (request) => {
    request.adapter = own;
    return around(exchange, request);
  };
  return config;
}
