import fc from 'fast-check';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A CRM that answers whatever it is scripted to: any status 200-599, any body (JSON, bytes, empty,
 * larger than the service reads), any content type and Retry-After, or no proper answer at all
 * (the connection destroyed, never answered, or a body cut short). Its token endpoint is sound, so
 * every request reaches the script. Once the script is used up it answers 200 with a record.
 */

export interface HostileAnswer {
  kind: 'answer' | 'destroy' | 'hang' | 'truncated';
  status: number;
  body: string;
  contentType: string;
  retryAfter: string | null;
}

/** One request the CRM got: the event it was for (its Idempotency-Key) and what it was answered. */
export interface HostileRequest {
  idempotencyKey: string | null;
  answer: HostileAnswer | 'fallback';
}

const visibleAscii = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 30,
});

export const hostileAnswer: fc.Arbitrary<HostileAnswer> = fc.record({
  kind: fc.oneof(
    { weight: 6, arbitrary: fc.constant('answer' as const) },
    { weight: 1, arbitrary: fc.constantFrom('destroy' as const, 'hang' as const, 'truncated' as const) },
  ),
  status: fc.oneof(
    fc.constantFrom(200, 201, 204, 400, 401, 403, 404, 408, 409, 410, 422, 429, 500, 502, 503, 504),
    fc.integer({ min: 200, max: 599 }),
  ),
  body: fc.oneof(
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: fc.constantFrom(2_000_000, 300_000).map((n) => '{"id":"'.padEnd(n, 'x')) },
  ),
  contentType: fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/html',
    '',
    'application/octet-stream',
  ),
  retryAfter: fc.option(
    fc.oneof(
      fc.nat(5).map(String),
      visibleAscii,
      fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
    ),
    {
      nil: null,
    },
  ),
});

export class HostileCrm {
  readonly requests: HostileRequest[] = [];
  private script: HostileAnswer[] = [];
  private server?: Server;
  private readonly hanging = new Set<ServerResponse>();
  url = '';

  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** The answers the next upserts get, in order (then 200 with a record). */
  play(answers: HostileAnswer[]): void {
    this.script = [...answers];
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    req.on('end', () => {
      if (req.url === '/oauth/token') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ access_token: 'hostile-token', token_type: 'Bearer', expires_in: 3600 }));
        return;
      }
      const answer = this.script.shift();
      const idempotencyKey = (req.headers['idempotency-key'] as string | undefined) ?? null;
      this.requests.push({ idempotencyKey, answer: answer ?? 'fallback' });
      if (!answer) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: `rec-${this.requests.length}`, created: true }));
        return;
      }
      this.answer(res, answer);
    });
  }

  private answer(res: ServerResponse, answer: HostileAnswer): void {
    if (answer.kind === 'destroy') return void res.socket?.destroy();
    if (answer.kind === 'hang') return void this.hanging.add(res);
    res.statusCode = answer.status;
    if (answer.contentType) res.setHeader('content-type', answer.contentType);
    if (answer.retryAfter !== null) res.setHeader('retry-after', answer.retryAfter);
    const body = Buffer.from(answer.body);
    if (answer.kind === 'truncated') {
      res.setHeader('content-length', String(body.length + 100));
      res.write(body);
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    res.end(body);
  }
}
