import { Agent, createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * A tap between service instances and the CRM sandbox (test/crash-*.e2e-spec.ts): every instance
 * gets its own CRM_BASE_URL path (`/<instance>`), so each CRM request is attributed to the instance
 * that sent it and timed on the wire. `onCall` sees a request before it is forwarded, so a test can
 * act on it (kill its sender) while the request still reaches the CRM.
 */

export interface CrmCall {
  instance: string;
  path: string;
  key: string | null;
  collection: string;
  externalId: string | null;
  lastInteraction: string | null;
  /** performance.now() when the whole request had arrived, and when the CRM's answer was back. */
  start: number;
  end: number | null;
  status: number | null;
}

export class CrmTap {
  readonly calls: CrmCall[] = [];
  /** Runs synchronously when a complete CRM request arrived, before it is forwarded. */
  onCall?: (call: CrmCall) => void;
  private server?: Server;
  private readonly agent = new Agent({ keepAlive: true });
  private readonly target: URL;
  private base = '';

  constructor(target: string) {
    this.target = new URL(target);
  }

  /** CRM_BASE_URL for one instance. */
  urlFor(instance: string): string {
    return `${this.base}/${instance}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
    this.agent.destroy();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    // A request cut off by a dying instance never ends: it never reaches the CRM either.
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const match = /^\/([^/]+)(\/.*)$/.exec(req.url ?? '');
      if (!match) {
        res.writeHead(404).end();
        return;
      }
      const [, instance, path] = match;
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        body = undefined;
      }
      const call: CrmCall = {
        instance,
        path,
        key: (req.headers['idempotency-key'] as string | undefined) ?? null,
        collection: /^\/api\/v2\/([^/]+)\//.exec(path)?.[1] ?? '',
        externalId: typeof body?.external_id === 'string' ? body.external_id : null,
        lastInteraction: typeof body?.last_interaction === 'string' ? body.last_interaction : null,
        start: performance.now(),
        end: null,
        status: null,
      };
      this.calls.push(call);
      this.onCall?.(call);
      const headers = { ...req.headers };
      delete headers.host;
      delete headers.connection;
      delete headers['keep-alive'];
      const upstream = httpRequest(
        {
          host: this.target.hostname,
          port: this.target.port,
          path,
          method: req.method,
          headers,
          agent: this.agent,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (part: Buffer) => parts.push(part));
          answer.on('end', () => {
            call.end = performance.now();
            call.status = answer.statusCode ?? 0;
            const payload = Buffer.concat(parts);
            const out: Record<string, string | string[] | undefined> = {
              ...answer.headers,
              'content-length': String(payload.length),
            };
            delete out.connection;
            delete out['keep-alive'];
            delete out['transfer-encoding'];
            if (!res.destroyed) res.writeHead(call.status, out).end(payload);
          });
        },
      );
      upstream.on('error', () => {
        call.end = performance.now();
        call.status = 0;
        if (!res.destroyed && !res.headersSent) res.writeHead(502).end();
      });
      upstream.end(raw);
    });
  }
}
