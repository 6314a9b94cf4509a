import { HttpService } from '@nestjs/axios';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Readable } from 'node:stream';
import { crmConfig } from '../../config/crm.config';
import { AttemptRecord } from '../../queue/stored-event';
import { Telemetry } from '../../telemetry/telemetry';
import { TokenProvider } from '../token/token-provider';
import { readCappedBody } from './capped-body';
import { BreakerOpenError, CrmBreaker } from './crm-breaker';
import { CrmRequest, isBreakerFailureStatus } from './crm-request';
import { deadline, isTimeoutCode } from '../outbound/outbound-http';

/** How one exchange ended. `sent`: CRM requests made (token requests not included). */
type ExchangeResult =
  | { kind: 'response'; status: number; headers: Record<string, string>; body: string; excerpt: string; sent: number }
  | { kind: 'network' | 'timeout'; message: string; sent: number }
  | { kind: 'token'; message: string; sent: number }
  | { kind: 'breaker-open'; sent: number };

/**
 * How one delivery attempt ended, as the worker needs it; `requests`: one record per CRM request
 * made (and per failed token request, which counts as an attempt), for the event's history.
 */
export type CrmResult = ExchangeResult & { requests: AttemptRecord[] };

type Answer = Extract<ExchangeResult, { kind: 'response' }>;
type HttpRequest = Omit<CrmRequest, 'path'> & { url: string };

/** A 408/5xx answer, thrown inside the breaker so that it counts as a failure there. */
class BreakerFailure extends Error {
  constructor(readonly answer: Answer) {
    super(`CRM answered ${answer.status}`);
  }
}

/** The most of an answer that is read: the status decides, the body is only parsed or excerpted. */
const MAX_ANSWER_BYTES = 1024 * 1024;
const EXCERPT = 300;
const excerpt = (text: string) => text.replace(/\s+/g, ' ').slice(0, EXCERPT);
/**
 * The history's first reading of an answer: none for a 2xx, else status and excerpt. The connector's
 * verdict has the last word on the request that decided it (DeliveryVerdicts: a 2xx it could not
 * use says why, a 409 the generic connector delivers says nothing).
 */
const answerError = (status: number, text: string) =>
  status >= 200 && status < 300 ? null : `CRM answered ${status}: ${excerpt(text)}`;

/**
 * The CRM API client. One call reads top to bottom: a bearer token, then the HTTP exchange inside
 * the circuit breaker, and on a 401 the token is dropped, a new one fetched and the request sent
 * once more. Nothing is sent, and no token fetched, while the breaker is open.
 */
@Injectable()
export class CrmClient {
  constructor(
    @Inject(crmConfig.KEY) private readonly config: ConfigType<typeof crmConfig>,
    private readonly http: HttpService,
    private readonly tokens: TokenProvider,
    private readonly breaker: CrmBreaker,
    private readonly telemetry: Telemetry,
  ) {}

  /** One CRM request for `objectType` (its metrics label), with the token and the 401 rule. */
  async send(objectType: string, request: CrmRequest): Promise<CrmResult> {
    const requests: AttemptRecord[] = [];
    const first = await this.authorizedExchange(objectType, request, 0, requests);
    const refused = first.result.kind === 'response' && first.result.status === 401;
    if (!refused || !first.token || !this.tokens.invalidate(first.token)) return { ...first.result, requests };
    return { ...(await this.authorizedExchange(objectType, request, first.result.sent, requests)).result, requests };
  }

  private async authorizedExchange(
    objectType: string,
    request: CrmRequest,
    sentBefore: number,
    requests: AttemptRecord[],
  ): Promise<{ token?: string; result: ExchangeResult }> {
    if (this.breaker.state === 'open') return { result: { kind: 'breaker-open', sent: sentBefore } };
    let token: string;
    try {
      token = await this.tokens.getToken();
    } catch (error) {
      const message = (error as Error).message;
      requests.push({ at: Date.now(), status: null, error: `token: ${message}`, durationMs: 0 });
      return { result: { kind: 'token', message, sent: sentBefore } };
    }
    const authorized: HttpRequest = {
      method: request.method,
      url: `${this.tokens.apiBase() ?? this.config.baseUrl}${request.path}`,
      headers: { ...request.headers, Authorization: `${this.tokens.scheme} ${token}` },
      data: request.data,
    };
    const result = await this.guardedExchange(objectType, authorized, requests);
    return { token, result: { ...result, sent: sentBefore + result.sent } };
  }

  /** The HTTP exchange inside the breaker: 408, 5xx, network errors and timeouts are its failures. */
  private async guardedExchange(
    objectType: string,
    request: HttpRequest,
    requests: AttemptRecord[],
  ): Promise<ExchangeResult> {
    let sent = 0;
    try {
      return await this.breaker.fire(async () => {
        sent = 1;
        const answer = await this.exchange(objectType, request, requests);
        if (isBreakerFailureStatus(answer.status)) throw new BreakerFailure(answer);
        return answer;
      });
    } catch (error) {
      if (error instanceof BreakerFailure) return error.answer;
      if (error instanceof BreakerOpenError) return { kind: 'breaker-open', sent };
      const code = (error as { code?: string }).code;
      // Only the code: an axios error message may echo the URL, never headers, but keep it short.
      if (isTimeoutCode(code)) return { kind: 'timeout', message: 'CRM request timed out', sent };
      return { kind: 'network', message: `CRM unreachable (${code ?? (error as Error).message})`, sent };
    }
  }

  /**
   * Sends one request and reads its answer, all within CRM_TIMEOUT_MS; reports it to the metrics
   * and adds it to `requests`.
   */
  private async exchange(objectType: string, request: HttpRequest, requests: AttemptRecord[]): Promise<Answer> {
    const at = Date.now();
    const started = process.hrtime.bigint();
    const observe = (code: string, error: string | null = code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.telemetry.emit('crmRequestMade', { objectType, code, seconds });
      const status = /^\d+$/.test(code) ? Number(code) : null;
      requests.push({ at, status, error, durationMs: Math.round(seconds * 1000) });
    };
    const { signal, end } = deadline(this.config.timeoutMs);
    try {
      const response = await this.http.axiosRef.request<Readable>({
        ...request,
        responseType: 'stream',
        validateStatus: () => true,
        signal,
      });
      const body = await readCappedBody(response.data, MAX_ANSWER_BYTES, signal);
      observe(String(response.status), answerError(response.status, body.text));
      const headers = Object.fromEntries(
        Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
      );
      return {
        kind: 'response',
        status: response.status,
        headers,
        body: body.text,
        excerpt: excerpt(body.text),
        sent: 1,
      };
    } catch (error) {
      observe(isTimeoutCode((error as { code?: string }).code) ? 'timeout' : 'network');
      throw error;
    } finally {
      end();
    }
  }
}
