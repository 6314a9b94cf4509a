import { TokenProvider, TokenState } from './token-provider';

/** CRM_AUTH=basic (e.g. `<email>/token` and an API token): sent as HTTP Basic; a 401 cannot be refreshed. */
export class BasicCredentialsProvider extends TokenProvider {
  override readonly scheme = 'Basic';
  private readonly credential: string;

  constructor(user: string, password: string) {
    super();
    this.credential = Buffer.from(`${user}:${password}`).toString('base64');
  }

  async getToken(): Promise<string> {
    return this.credential;
  }

  invalidate(): boolean {
    return false;
  }

  state(): TokenState {
    return { mode: 'basic', cached: true, expiresAt: null, lastError: null };
  }
}
