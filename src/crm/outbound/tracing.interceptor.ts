import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import axios, { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { aroundExchange } from './around-exchange';
import { Tracing } from '../../telemetry/tracing';

/** Which endpoint a client span went to (`crm_sync.crm.endpoint`): the CRM's API or its token endpoint. */
export type TracedEndpoint = 'api' | 'token';

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * The URL a span names: scheme, host, port and path. The query and any user info are left out
 * (a query may carry record ids or a signature); headers and bodies are never read.
 */
function spannedUrl(request: InternalAxiosRequestConfig): URL | undefined {
  try {
    const url = new URL(axios.getUri(request));
    url.search = '';
    url.username = '';
    url.password = '';
    url.hash = '';
    return url;
  } catch {
    return undefined;
  }
}

/**
 * One client span per HTTP exchange, following OpenTelemetry's HTTP client conventions, with the
 * W3C `traceparent` (and `tracestate`) of that span sent along, so the receiver continues the trace.
 * As an axios request interceptor registered after the breaker's (so it runs first): it wraps the
 * exchange itself, inside the breaker, so a request the breaker refuses has no span, and a replay
 * after a 401 is a span of its own (`http.request.resend_count` 1). Registered only with tracing on.
 */
export class TracingInterceptor {
  constructor(
    private readonly tracing: Tracing,
    private readonly endpoint: TracedEndpoint,
  ) {}

  readonly intercept = (config: InternalAxiosRequestConfig): InternalAxiosRequestConfig =>
    aroundExchange(config, (exchange, request) => this.traced(exchange, request));

  private async traced(exchange: AxiosAdapter, request: InternalAxiosRequestConfig): Promise<AxiosResponse> {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = spannedUrl(request);
    const span = this.tracing.startSpan(method, {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        'crm_sync.crm.endpoint': this.endpoint,
        ...(url && {
          [ATTR_URL_FULL]: url.href,
          [ATTR_SERVER_ADDRESS]: url.hostname,
          [ATTR_SERVER_PORT]: Number(url.port) || DEFAULT_PORTS[url.protocol],
        }),
        ...(request.replayedAfter401 && { [ATTR_HTTP_REQUEST_RESEND_COUNT]: 1 }),
      },
    });
    const headers = this.tracing.headersOf(span);
    if (headers) {
      request.headers.set('traceparent', headers.traceparent);
      if (headers.tracestate) request.headers.set('tracestate', headers.tracestate);
    }
    try {
      const response = await exchange(request);
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
      if (response.status >= 400) {
        span.setAttribute(ATTR_ERROR_TYPE, String(response.status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      return response;
    } catch (error) {
      // The code only (ECONNREFUSED, ERR_CANCELED for the deadline...): an error's text may echo the request.
      span.setAttribute(ATTR_ERROR_TYPE, (error as { code?: string }).code ?? (error as Error).name ?? 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  }
}
