import { CrmSandbox } from './crm-sandbox';

/**
 * A sandbox started before each test of the calling suite and stopped after it, and its HTTP
 * surface as a client sees it: the token endpoint, the API, the `_sandbox` controls.
 */
export function sandboxUnderTest() {
  let sandbox: CrmSandbox;
  let url: string;

  beforeEach(async () => {
    sandbox = new CrmSandbox({ tokenTtlSeconds: 60 });
    url = await sandbox.start();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await sandbox.stop();
  });

  function requestToken(form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(sandbox.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form),
    });
  }

  function basic(id: string, secret: string): Record<string, string> {
    return { Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
  }

  async function token(): Promise<string> {
    const res = await requestToken({ grant_type: 'client_credentials' }, basic(sandbox.clientId, sandbox.clientSecret));
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  function upsert(
    collection: string,
    body: unknown,
    options: { token?: string; key?: string; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Request-Id': 'req-1' };
    if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
    if (options.key !== undefined) headers['Idempotency-Key'] = options.key;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return fetch(`${url}/api/v2/${collection}/upsert`, { method: 'POST', headers, body: text, signal: options.signal });
  }

  function control(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${url}/_sandbox/${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  return { sandbox: () => sandbox, requestToken, basic, token, upsert, control };
}
