import { HttpService } from '@nestjs/axios';
import axios, { AxiosResponse } from 'axios';
import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { CrmConfig } from '../../config/crm.config';
import { Telemetry } from '../../telemetry/telemetry';
import { Tracing } from '../../telemetry/tracing';
import { ClientCredentialsTokenProvider } from '../token/client-credentials-token.provider';
import { TokenProvider } from '../token/token-provider';
import { CrmBreaker } from './crm-breaker';
import { createCrmHttp } from './crm-http.factory';

/** What the local CRM received: every API request (token requests apart), in order. */
export interface Received {
  path: string;
  authorization: string | undefined;
  traceparent: string | undefined;
}

/**
 * A CRM and its token endpoint on loopback, for the interceptors' specs. The path says the answer:
 * `/status/<code>`; `/reject/<token>[/<code>]` answers 401 to that bearer token and 200 (or `<code>`)
 * to any other;
 * `/held/<code>` answers once `release()` is called; `/hang` never answers; `/drop` closes the
 * connection unanswered. `POST /token` issues `token-1`, `token-2`, … unless `tokenStatus` says
 * otherwise.
 */
export class LocalCrm {
  readonly received: Received[] = [];
  tokenRequests = 0;
  /** The `traceparent` each token request carried. */
  readonly tokenTraceparents: Array<string | undefined> = [];
  tokenStatus = 200;
  private readonly held: Array<() => void> = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<LocalCrm> {
    const server = createServer();
    const crm = new LocalCrm(server);
    server.on('request', (req, res) => crm.answer(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return crm;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Requests held at `/held/<code>` (received, not yet answered). */
  get heldCount(): number {
    return this.held.length;
  }

  /** Answers every held request. */
  release(): void {
    for (const answer of this.held.splice(0)) answer();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const path = req.url ?? '';
    if (path === '/token') {
      this.tokenTraceparents.push(req.headers.traceparent as string | undefined);
      return this.issueToken(res);
    }
    this.received.push({
      path,
      authorization: req.headers.authorization,
      traceparent: req.headers.traceparent as string | undefined,
    });
    const [, kind, arg, otherwise = '200'] = path.split('?')[0].split('/');
    if (kind === 'status') return void res.writeHead(Number(arg)).end('{}');
    if (kind === 'reject') {
      return void res.writeHead(req.headers.authorization === `Bearer ${arg}` ? 401 : Number(otherwise)).end();
    }
    if (kind === 'held') return void this.held.push(() => res.writeHead(Number(arg)).end());
    if (kind === 'drop') return void req.socket.destroy();
    // `/hang`: no answer until the client gives up or the server closes.
  }

  private issueToken(res: ServerResponse): void {
    this.tokenRequests += 1;
    if (this.tokenStatus !== 200) return void res.writeHead(this.tokenStatus).end();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ access_token: `token-${this.tokenRequests}`, expires_in: 3600 }));
  }
}

/** The breaker settings of a spec; the rest of the CRM configuration is not read by the breaker. */
export function breakerOf(
  settings: Pick<CrmConfig, 'breakerThreshold' | 'breakerCooldownMs' | 'timeoutMs'>,
): CrmBreaker {
  return new CrmBreaker(settings as CrmConfig, new Telemetry());
}

/** OAuth2 client credentials at the local CRM's token endpoint (refreshable after a 401). */
export function clientCredentialsAt(crm: LocalCrm, http = new HttpService(axios.create())): TokenProvider {
  return new ClientCredentialsTokenProvider(http, {
    tokenUrl: `${crm.url}/token`,
    clientId: 'spec',
    clientSecret: 'spec-secret',
    clientAuth: 'basic',
    scopes: '',
    timeoutMs: 5000,
  });
}

/** A CRM client instance's HTTP client (the interceptors as the Crm module registers them). */
export function crmHttpFor(
  crm: LocalCrm,
  tokens: TokenProvider,
  breaker: CrmBreaker,
  timeoutMs = 5000,
  tracing?: Tracing,
): HttpService {
  return createCrmHttp({ baseUrl: crm.url, timeoutMs, tokens, breaker, tracing });
}

/** One POST through `http`, every status resolved (as CrmClient asks). */
export const post = (http: HttpService, path: string): Promise<AxiosResponse> =>
  http.axiosRef.request({ method: 'POST', url: path, data: '{}', validateStatus: () => true });

/** Resolves once `condition` holds (checked every few milliseconds): no spec waits for a duration. */
export async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
