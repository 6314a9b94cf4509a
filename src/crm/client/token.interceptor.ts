import { AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { TokenProvider, TokenUnavailableError } from '../token/token-provider';

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Set on the one replay of a request the CRM answered 401: the replay's own 401 is final. */
    replayedAfter401?: boolean;
  }
}

/**
 * The credential of one CRM client instance, as axios interceptors.
 * - Request: the credential its TokenProvider gives, in `Authorization`, and the API base the
 *   token answer named when it names one (else the instance's). When no credential can be had
 *   the request fails unsent, with TokenUnavailableError.
 * - Response: a 401 to a credential that can be refreshed (the provider drops it) is sent once
 *   more, through every interceptor again, so with a new credential and past the breaker; a 401
 *   to that replay, or to a credential that cannot be refreshed (static, Basic), is the answer.
 */
export class TokenInterceptor {
  constructor(
    private readonly tokens: TokenProvider,
    private readonly http: AxiosInstance,
  ) {}

  readonly attach = async (config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig> => {
    let token: string;
    try {
      token = await this.tokens.getToken();
    } catch (error) {
      throw error instanceof TokenUnavailableError ? error : new TokenUnavailableError((error as Error).message);
    }
    config.headers.set('Authorization', `${this.tokens.scheme} ${token}`);
    config.baseURL = this.tokens.apiBase() ?? config.baseURL;
    return config;
  };

  readonly replayAfter401 = (response: AxiosResponse): AxiosResponse | Promise<AxiosResponse> => {
    const { config } = response;
    if (response.status !== 401 || config.replayedAfter401) return response;
    const refused = this.sentToken(config);
    if (refused === undefined || !this.tokens.invalidate(refused)) return response;
    return this.http.request({ ...config, replayedAfter401: true });
  };

  /** The token the refused request carried. */
  private sentToken(config: InternalAxiosRequestConfig): string | undefined {
    const header = config.headers.get('Authorization');
    const prefix = `${this.tokens.scheme} `;
    return typeof header === 'string' && header.startsWith(prefix) ? header.slice(prefix.length) : undefined;
  }
}
