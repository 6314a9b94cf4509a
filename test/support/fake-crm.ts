import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** One request a fake CRM saw, as the tests inspect it. */
export interface SeenRequest {
  method: string;
  /** Path and query, undecoded. */
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  status: number;
}

export interface Fault {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** How many API requests get it (default 1). */
  count?: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * What every fake CRM in test/support shares: a real node:http server on loopback, a log of every
 * request it answered, faults injected for the next API requests, an answer delay, and tokens it
 * can revoke. Each fake implements its vendor's documented routes and error bodies in `route`.
 */
export abstract class FakeCrm {
  readonly seen: SeenRequest[] = [];
  tokenRequests = 0;
  /** Milliseconds each API answer is held back (a CRM under load). */
  latencyMs = 0;
  protected readonly tokens = new Set<string>();
  private readonly faults: Fault[] = [];
  private readonly server: Server = createServer((req, res) => void this.handle(req, res));
  private tokenCounter = 0;
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** The next `count` API requests (token requests excluded) get this answer instead. */
  inject(fault: Fault): void {
    this.faults.push({ count: 1, ...fault });
  }

  /** Every token issued so far stops working (the CRM revoked the session). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  /** API requests (not token requests) seen, optionally only those whose path starts with `prefix`. */
  apiRequests(prefix = ''): SeenRequest[] {
    return this.seen.filter((r) => !this.isTokenRequest(r.url) && r.url.startsWith(prefix));
  }

  protected issueToken(): string {
    const token = `fake-${++this.tokenCounter}-${Math.random().toString(36).slice(2)}`;
    this.tokens.add(token);
    return token;
  }

  protected bearer(req: IncomingMessage): string | undefined {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return match?.[1];
  }

  protected abstract isTokenRequest(url: string): boolean;
  protected abstract token(req: IncomingMessage, raw: string): Reply;
  /** Answers an authenticated or not API request; `body` is the parsed JSON (undefined if none). */
  protected abstract route(req: IncomingMessage, body: unknown): Reply;

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const url = req.url ?? '/';
    let reply: Reply;
    let body: unknown;
    if (this.isTokenRequest(url)) {
      this.tokenRequests++;
      reply = this.token(req, raw);
    } else {
      try {
        body = raw === '' ? undefined : JSON.parse(raw);
      } catch {
        body = raw;
      }
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      reply = this.takeFault() ?? this.route(req, body);
    }
    this.seen.push({ method: req.method ?? '', url, headers: req.headers, body, status: reply.status });
    const payload =
      reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    const headers = payload === '' ? { ...reply.headers } : { 'content-type': 'application/json', ...reply.headers };
    res.writeHead(reply.status, headers).end(payload);
  }

  private takeFault(): Reply | undefined {
    const fault = this.faults[0];
    if (!fault) return undefined;
    fault.count = (fault.count ?? 1) - 1;
    if (fault.count <= 0) this.faults.shift();
    return { status: fault.status, body: fault.body, headers: fault.headers };
  }
}
