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
  /** False for a request the fake held (see `holdNext`): it never sent an answer. */
  answered: boolean;
}

/** How the fake holds one API request (a CRM that goes silent mid-request). */
export interface HoldOptions {
  /**
   * true: the CRM commits the request, then its answer is lost; false: it never processes it.
   * Either way no answer is sent: the caller waits until `dropHeld` or its own death.
   */
  apply: boolean;
  /** The request to hold: the first API request for which this is true. */
  when(request: { method: string; url: string; body: unknown }): boolean;
}

export interface Fault {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** How many API requests get it (default 1). */
  count?: number;
}

interface PendingHold extends HoldOptions {
  arrived(request: SeenRequest): void;
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
  private hold?: PendingHold;
  private readonly held: ServerResponse[] = [];
  private readonly server: Server = createServer((req, res) => void this.handle(req, res));
  private tokenCounter = 0;
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.dropHeld();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** The next `count` API requests (token requests excluded) get this answer instead. */
  inject(fault: Fault): void {
    this.faults.push({ count: 1, ...fault });
  }

  /**
   * Holds the next API request matching `options.when` without answering it (applied first when
   * `options.apply`); resolves with it once it arrived. Later requests are answered as usual.
   */
  holdNext(options: HoldOptions): Promise<SeenRequest> {
    return new Promise((arrived) => (this.hold = { ...options, arrived }));
  }

  /** Closes the connections of held requests, unanswered (a no-op once their client died). */
  dropHeld(): void {
    for (const res of this.held.splice(0)) res.destroy();
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
      const hold = this.hold;
      if (hold?.when({ method: req.method ?? '', url, body })) {
        this.hold = undefined;
        this.keepUnanswered(req, res, body, hold);
        return;
      }
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      reply = this.takeFault() ?? this.route(req, body);
    }
    this.seen.push({ method: req.method ?? '', url, headers: req.headers, body, status: reply.status, answered: true });
    const payload =
      reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    const headers = payload === '' ? { ...reply.headers } : { 'content-type': 'application/json', ...reply.headers };
    res.writeHead(reply.status, headers).end(payload);
  }

  /** A held request: logged with the status it would have had (0 when not applied), never answered. */
  private keepUnanswered(req: IncomingMessage, res: ServerResponse, body: unknown, hold: PendingHold): void {
    const status = hold.apply ? this.route(req, body).status : 0;
    const seen = { method: req.method ?? '', url: req.url ?? '/', headers: req.headers, body, status, answered: false };
    this.seen.push(seen);
    this.held.push(res);
    hold.arrived(seen);
  }

  private takeFault(): Reply | undefined {
    const fault = this.faults[0];
    if (!fault) return undefined;
    fault.count = (fault.count ?? 1) - 1;
    if (fault.count <= 0) this.faults.shift();
    return { status: fault.status, body: fault.body, headers: fault.headers };
  }
}
