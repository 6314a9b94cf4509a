import { HttpService } from '@nestjs/axios';
import axios, { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { Readable } from 'node:stream';
import { CrmConfig } from '../../config/crm.config';
import { AttemptRecord } from '../../queue/stored-event';
import { Telemetry } from '../../telemetry/telemetry';
import { TokenUnavailableError } from '../token/token-provider';
import { readCappedBody } from './capped-body';
import { BreakerOpenError } from './crm-breaker';
import { CrmRequest } from './crm-request';
import { deadline, isTimeoutCode } from '../outbound/outbound-http';

/** How one call ended. `sent`: CRM requests made (token requests not included). */
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

/** The exchanges of one call (its request, and the replay after a 401), as they happen. */
class Exchanges {
  sent = 0;
  readonly requests: AttemptRecord[] = [];
}

/** axios' own Node transport: what the interceptors wrap is `exchange`, which sends through it. */
const sendOverHttp = axios.getAdapter('http');
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
 * The API client of one target's CRM. One call reads top to bottom in `send`: the breaker interceptor refuses it
 * while the breaker is open (nothing sent, no token fetched); the token interceptor adds the
 * credential; `exchange` sends it and reads the answer within CRM_TIMEOUT_MS, inside the breaker,
 * and records it. On a 401 to a refreshable credential the token interceptor drops it and sends
 * the request once more through both interceptors: refused if the breaker opened meanwhile (after
 * one request), a failed attempt if no new token can be had. Interceptors: crm-http.factory.ts.
 */
export class CrmClient {
  constructor(
    private readonly config: CrmConfig,
    private readonly http: HttpService,
    private readonly telemetry: Telemetry,
  ) {}

  /** One CRM request for `objectType` (its metrics label), with the token, the breaker and the 401 rule. */
  async send(objectType: string, request: CrmRequest): Promise<CrmResult> {
    const exchanges = new Exchanges();
    try {
      const answer = await this.http.axiosRef.request<string>({
        method: request.method,
        url: request.path,
        headers: request.headers,
        data: request.data,
        responseType: 'stream',
        validateStatus: () => true,
        adapter: (config) => this.exchange(objectType, config, exchanges),
      });
      const headers = Object.fromEntries(Object.entries(answer.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
      const { sent, requests } = exchanges;
      const { status, data: body } = answer;
      return { kind: 'response', status, headers, body, excerpt: excerpt(body), sent, requests };
    } catch (error) {
      return unanswered(error, exchanges);
    }
  }

  /**
   * Sends one request and reads its answer, all within CRM_TIMEOUT_MS; reports it to the metrics
   * and adds it to `exchanges`.
   */
  private async exchange(
    objectType: string,
    config: InternalAxiosRequestConfig,
    exchanges: Exchanges,
  ): Promise<AxiosResponse<string>> {
    exchanges.sent += 1;
    const at = Date.now();
    const started = process.hrtime.bigint();
    const observe = (code: string, error: string | null = code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.telemetry.emit('crmRequestMade', { objectType, code, seconds });
      const status = /^\d+$/.test(code) ? Number(code) : null;
      exchanges.requests.push({ at, status, error, durationMs: Math.round(seconds * 1000) });
    };
    const { signal, end } = deadline(this.config.timeoutMs);
    try {
      // The config is this request's own copy: the deadline goes on it, and comes off again below.
      config.signal = signal;
      const response = await sendOverHttp(config);
      const body = await readCappedBody(response.data as Readable, MAX_ANSWER_BYTES, signal);
      observe(String(response.status), answerError(response.status, body.text));
      response.data = body.text;
      return response as AxiosResponse<string>;
    } catch (error) {
      observe(isTimeoutCode((error as { code?: string }).code) ? 'timeout' : 'network');
      throw error;
    } finally {
      end();
      // The request as it came, for a replay after a 401: the replay has a deadline of its own.
      config.signal = undefined;
    }
  }
}

/** A call that got no answer: refused by the breaker, no token, or the exchange failed. */
function unanswered(error: unknown, { sent, requests }: Exchanges): CrmResult {
  if (error instanceof BreakerOpenError) return { kind: 'breaker-open', sent, requests };
  if (error instanceof TokenUnavailableError) {
    requests.push({ at: Date.now(), status: null, error: `token: ${error.message}`, durationMs: 0 });
    return { kind: 'token', message: error.message, sent, requests };
  }
  const code = (error as { code?: string }).code;
  // Only the code: an axios error message may echo the URL, never headers, but keep it short.
  if (isTimeoutCode(code)) return { kind: 'timeout', message: 'CRM request timed out', sent, requests };
  return { kind: 'network', message: `CRM unreachable (${code ?? (error as Error).message})`, sent, requests };
}
