import { TokenProvider, TokenState } from './token-provider';

/** CRM_AUTH=static: a fixed token (e.g. a private-app token); a 401 cannot be refreshed. */
export class StaticTokenProvider extends TokenProvider {
  constructor(private readonly token: string) {
    super();
  }

  async getToken(): Promise<string> {
    return this.token;
  }

  invalidate(): boolean {
    return false;
  }

  state(): TokenState {
    return { mode: 'static', cached: true, expiresAt: null, lastError: null };
  }
}
