export interface TokenState {
  mode: 'client_credentials' | 'static' | 'basic';
  /** Whether a usable token is cached right now. */
  cached: boolean;
  expiresAt: string | null;
  lastError: string | null;
}

/** Raised when no token could be had; the message never holds a credential. */
export class TokenUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenUnavailableError';
  }
}

/** Supplies the bearer token for CRM requests. */
export abstract class TokenProvider {
  /** The Authorization scheme the credential goes with. */
  readonly scheme: 'Bearer' | 'Basic' = 'Bearer';
  /** The API base the token answer named (a CRM whose answer names its instance), if it names one. */
  apiBase(): string | undefined {
    return undefined;
  }

  abstract getToken(): Promise<string>;
  /** Drops `token` if it is the cached one (the CRM refused it); false when nothing can be refreshed. */
  abstract invalidate(token: string): boolean;
  abstract state(): TokenState;
}
