import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import axios, { AxiosAdapter, AxiosResponse, isAxiosError } from 'axios';
import { crmConfig } from '../../config/crm.config';
import { CrmUpsert } from '../../shared/dialog-completed-event';
import { Telemetry } from '../../telemetry/telemetry';
import { CrmTarget } from '../target/crm-target';
import { TokenProvider, TokenUnavailableError } from '../token/token-provider';
import { BreakerOpenError, CrmBreaker } from './crm-breaker';
import { isBreakerFailureStatus, RequestTrace, TracedConfig } from './crm-request';

export interface CrmCall {
  upsert: CrmUpsert;
  idempotencyKey: string;
  requestId: string;
}

/** How one delivery attempt ended, as the worker needs it. */
export type CrmResult =
  | { kind: 'response'; status: number; headers: Record<string, string>; excerpt: string; sent: number }
  | { kind: 'network' | 'timeout'; message: string; sent: number }
  | { kind: 'token'; message: string; sent: number }
  | { kind: 'breaker-open'; sent: number };

class BreakerFailure extends Error {
  constructor(readonly response: AxiosResponse) {
    super(`CRM answered ${response.status}`);
  }
}

// ERR_CANCELED: the whole-request deadline (AbortSignal) fired.
const isTimeout = (code?: string) => code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED';

const EXCERPT = 300;
const excerpt = (data: unknown) =>
  (typeof data === 'string' ? data : JSON.stringify(data ?? '')).replace(/\s+/g, ' ').slice(0, EXCERPT);

/**
 * The CRM API client: its own axios instance (HttpModule.registerAsync in CrmModule) with two
 * interceptors, one adding the bearer token (and on a 401 refreshing it and retrying once), one
 * routing the request through the circuit breaker.
 */
@Injectable()
export class CrmClient implements OnModuleInit {
  private readonly send: AxiosAdapter = axios.getAdapter('http');

  constructor(
    @Inject(crmConfig.KEY) private readonly config: ConfigType<typeof crmConfig>,
    private readonly http: HttpService,
    private readonly tokens: TokenProvider,
    private readonly breaker: CrmBreaker,
    private readonly target: CrmTarget,
    private readonly telemetry: Telemetry,
  ) {}

  onModuleInit(): void {
    const instance = this.http.axiosRef;
    instance.interceptors.request.use((config) => this.throughBreaker(config as TracedConfig));
    instance.interceptors.request.use((config) => this.authorize(config as TracedConfig));
    instance.interceptors.response.use((response) => this.refreshOn401(response));
  }

  async upsert({ upsert, idempotencyKey, requestId }: CrmCall): Promise<CrmResult> {
    const trace = new RequestTrace(upsert.objectType);
    try {
      const response = await this.http.axiosRef.request({
        method: upsert.method,
        url: `${this.target.baseUrl}${upsert.path}`,
        data: JSON.stringify(upsert.body),
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'Idempotency-Key': idempotencyKey,
          'X-Request-Id': requestId,
        },
        validateStatus: () => true,
        // axios' own timeout only covers silence on the socket; this bounds the whole exchange.
        signal: AbortSignal.timeout(this.config.timeoutMs),
        trace,
      });
      const headers = Object.fromEntries(
        Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
      );
      return { kind: 'response', status: response.status, headers, excerpt: excerpt(response.data), sent: trace.sent };
    } catch (error) {
      return this.failure(error, trace);
    }
  }

  private failure(error: unknown, trace: RequestTrace): CrmResult {
    // `sent` is 0 unless the breaker opened between a 401 and its immediate retry.
    if (error instanceof BreakerOpenError) return { kind: 'breaker-open', sent: trace.sent };
    if (error instanceof TokenUnavailableError) {
      return { kind: 'token', message: error.message, sent: trace.sent };
    }
    const code = isAxiosError(error) ? error.code : undefined;
    const timeout = isTimeout(code);
    // Only the code: an axios error message may echo the URL, never headers, but keep it short.
    const message = timeout ? 'CRM request timed out' : `CRM unreachable (${code ?? (error as Error).message})`;
    return { kind: timeout ? 'timeout' : 'network', message, sent: trace.sent };
  }

  private async authorize(config: TracedConfig): Promise<TracedConfig> {
    // axios runs request interceptors last-registered first: this one runs before the breaker's,
    // so it checks the breaker itself rather than fetch a token for a request that cannot go.
    if (this.breaker.state === 'open') throw new BreakerOpenError();
    const token = await this.tokens.getToken();
    config.trace.token = token;
    config.headers.set('Authorization', `Bearer ${token}`);
    return config;
  }

  /** Runs the actual HTTP exchange inside the breaker; 408/5xx/network/timeout count as failures. */
  private throughBreaker(config: TracedConfig): TracedConfig {
    config.adapter = (adapterConfig) =>
      this.breaker
        .fire(async () => {
          config.trace.sent += 1;
          const started = process.hrtime.bigint();
          try {
            const response = await this.send(adapterConfig);
            this.observe(config.trace, String(response.status), started);
            if (isBreakerFailureStatus(response.status)) throw new BreakerFailure(response);
            return response;
          } catch (error) {
            if (!(error instanceof BreakerFailure)) {
              const code = isAxiosError(error) && isTimeout(error.code) ? 'timeout' : 'network';
              this.observe(config.trace, code, started);
            }
            throw error;
          }
        })
        .catch((error: unknown) => {
          if (error instanceof BreakerFailure) return error.response;
          throw error;
        });
    return config;
  }

  private observe(trace: RequestTrace, code: string, started: bigint): void {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.telemetry.emit('crmRequestMade', { objectType: trace.objectType, code, seconds });
  }

  /** SPEC §4.2: on a 401, drop the token, fetch a new one and retry once, at once. */
  private async refreshOn401(response: AxiosResponse): Promise<AxiosResponse> {
    const config = response.config as TracedConfig;
    if (response.status !== 401 || config.trace.retriedAfter401) return response;
    if (!this.tokens.invalidate(config.trace.token ?? '')) return response;
    config.trace.retriedAfter401 = true;
    return this.http.axiosRef.request({ ...config, headers: config.headers });
  }
}
