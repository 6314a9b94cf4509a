import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { Tracing } from '../../telemetry/tracing';
import { outboundHttpOptions } from '../outbound/outbound-http';
import { TracingInterceptor } from '../outbound/tracing.interceptor';
import { TokenProvider } from '../token/token-provider';
import { BreakerInterceptor } from './breaker.interceptor';
import { CrmBreaker } from './crm-breaker';
import { TokenInterceptor } from './token.interceptor';

/** No axios size limit (it would fail the exchange): CrmClient reads only an answer's first bytes. */
const UNLIMITED = -1;

/** What the HTTP client of one CRM client instance is made of. */
export interface CrmHttpParts {
  /** CRM_BASE_URL, without a trailing slash; empty when the token answer names the API base. */
  baseUrl: string;
  /** CRM_TIMEOUT_MS: socket silence (each exchange also has its deadline, in CrmClient). */
  timeoutMs: number;
  /** Its own credential (token cache). */
  tokens: TokenProvider;
  /** Its own circuit breaker. */
  breaker: CrmBreaker;
  /** With tracing on, each exchange is a client span and sends its `traceparent`. */
  tracing?: Tracing;
}

/**
 * The `@nestjs/axios` client of one CRM client instance (one per target): its own axios instance
 * carrying its own token and breaker interceptors, registered here and nowhere else. axios runs
 * request interceptors last registered first, and response interceptors in registration order:
 * a request meets the breaker (refused while open, before any token is fetched), then the token;
 * an answer meets the token (a 401 replayed once), whose replay meets both again. With tracing on,
 * the tracing interceptor runs first and wraps the exchange inside the breaker's.
 */
export function createCrmHttp({ baseUrl, timeoutMs, tokens, breaker, tracing }: CrmHttpParts): HttpService {
  const instance = axios.create({
    ...outboundHttpOptions(timeoutMs, UNLIMITED),
    baseURL: baseUrl,
    // Every path is below the API base: one that reads as a URL (`//host/...`) must not leave it.
    allowAbsoluteUrls: false,
    // CrmClient reads an answer's text itself (the connector parses it): no axios transform step.
    transformResponse: [],
  });
  const token = new TokenInterceptor(tokens, instance);
  instance.interceptors.request.use(token.attach);
  instance.interceptors.request.use(new BreakerInterceptor(breaker).intercept);
  if (tracing?.enabled) instance.interceptors.request.use(new TracingInterceptor(tracing, 'api').intercept);
  instance.interceptors.response.use(token.replayAfter401);
  return new HttpService(instance);
}
