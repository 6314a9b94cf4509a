import { HttpService } from '@nestjs/axios';
import { Logger } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import { deadline, isTimeoutCode } from '../outbound/outbound-http';
import { TokenProvider, TokenState, TokenUnavailableError } from './token-provider';

export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  clientAuth: 'basic' | 'post';
  scopes: string;
  /** Deadline of the whole token exchange: a stalled endpoint fails the attempt. */
  timeoutMs: number;
  /**
   * A CRM whose answer names the API base: reads it from the answer, or throws
   * TokenUnavailableError naming why it cannot be used.
   */
  apiBaseOf?: (answer: TokenAnswer) => string;
  /** A CRM whose answer may have no `expires_in`: then the token is kept until the CRM refuses it. */
  keptUntilRefused?: boolean;
}

interface CachedToken {
  token: string;
  refreshAt: number;
  expiresAt: number;
  apiBase?: string;
}

const REFRESH_RETRY_MS = 5000;

/** The token endpoint's JSON answer, as read: fields a CRM adds (e.g. the API base) are kept. */
export interface TokenAnswer {
  access_token?: unknown;
  expires_in?: unknown;
  error?: unknown;
  [field: string]: unknown;
}

/** RFC 6749 §2.3.1: client id and secret are form-encoded before they go into Basic. */
const formEncode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');

/**
 * OAuth2 client credentials. The token is cached until min(60 s, expires_in / 2) before it
 * expires, and concurrent callers share one request in flight. Errors name the status or network
 * failure only: never the secret, the token, or the request's headers.
 */
export class ClientCredentialsTokenProvider extends TokenProvider {
  private readonly logger = new Logger('TokenProvider');
  private cached?: CachedToken;
  private inflight?: Promise<string>;
  private lastError: string | null = null;

  constructor(
    private readonly http: HttpService,
    private readonly credentials: ClientCredentials,
    private readonly onRequest: (result: 'success' | 'failure') => void = () => undefined,
  ) {
    super();
  }

  getToken(): Promise<string> {
    if (this.cached && Date.now() < this.cached.refreshAt) return Promise.resolve(this.cached.token);
    this.inflight ??= this.fetch().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  override apiBase(): string | undefined {
    return this.cached?.apiBase;
  }

  invalidate(token: string): boolean {
    if (this.cached?.token === token) this.cached = undefined;
    return true;
  }

  state(): TokenState {
    const usable = !!this.cached && Date.now() < this.cached.expiresAt;
    return {
      mode: 'client_credentials',
      cached: usable,
      expiresAt:
        usable && Number.isFinite(this.cached!.expiresAt) ? new Date(this.cached!.expiresAt).toISOString() : null,
      lastError: this.lastError,
    };
  }

  private async fetch(): Promise<string> {
    try {
      const token = await this.request();
      this.onRequest('success');
      this.lastError = null;
      return token;
    } catch (error) {
      this.onRequest('failure');
      this.lastError = (error as Error).message;
      this.logger.warn(`Token request failed: ${this.lastError}`);
      // Refreshing early must not cost attempts: a token that is still valid is used meanwhile,
      // and the failing endpoint is asked again only after a pause, not by every CRM call.
      if (this.cached && Date.now() < this.cached.expiresAt) {
        this.cached.refreshAt = Math.min(this.cached.expiresAt, Date.now() + REFRESH_RETRY_MS);
        return this.cached.token;
      }
      throw error;
    }
  }

  private async request(): Promise<string> {
    const { tokenUrl, clientId, clientSecret, clientAuth, scopes, timeoutMs } = this.credentials;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scopes) form.set('scope', scopes);
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    };
    if (clientAuth === 'post') {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    } else {
      const basic = Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64');
      headers.Authorization = `Basic ${basic}`;
    }
    let response;
    const { signal, end } = deadline(timeoutMs);
    try {
      response = await firstValueFrom(
        this.http.post(tokenUrl, form.toString(), { headers, validateStatus: () => true, signal }),
      );
    } catch (error) {
      // Axios errors carry the request config, Authorization header included: keep only the code.
      const code = (error as { code?: string }).code;
      if (isTimeoutCode(code)) throw new TokenUnavailableError('token endpoint timed out');
      throw new TokenUnavailableError(`token endpoint unreachable (${code ?? 'network error'})`);
    } finally {
      end();
    }
    const body = response.data as TokenAnswer;
    if (response.status !== 200 || typeof body?.access_token !== 'string' || body.access_token === '') {
      const reason = typeof body?.error === 'string' ? `: ${body.error.slice(0, 100)}` : '';
      throw new TokenUnavailableError(`token endpoint answered ${response.status}${reason}`);
    }
    this.cached = { token: body.access_token, ...this.lifetime(body), apiBase: this.credentials.apiBaseOf?.(body) };
    return body.access_token;
  }

  private lifetime(body: TokenAnswer): Pick<CachedToken, 'expiresAt' | 'refreshAt'> {
    if (this.credentials.keptUntilRefused && body.expires_in === undefined)
      return { expiresAt: Infinity, refreshAt: Infinity };
    const expiresIn = Number(body.expires_in) > 0 ? Number(body.expires_in) : 3600;
    const now = Date.now();
    return { expiresAt: now + expiresIn * 1000, refreshAt: now + (expiresIn - Math.min(60, expiresIn / 2)) * 1000 };
  }
}
