import express, { NextFunction, Request, Response } from 'express';
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { answerError, basicCredentials, isUpsertBody, parseBody } from './sandbox-requests';
import {
  Answer,
  freshState,
  InvalidFaultError,
  QueuedFault,
  SandboxFault,
  SandboxRecord,
  SandboxRequest,
  SandboxStats,
  toQueuedFault,
  UpsertBody,
} from './sandbox-state';

/**
 * A fake CRM: OAuth2 client-credentials token endpoint plus `POST /api/v2/:collection/upsert`
 * honouring `Idempotency-Key`, with faults injectable on demand. The service uses it in
 * development (CRM_BASE_URL unset), the tests and the benchmarks use it to see what arrived.
 */

export interface SandboxOptions {
  port?: number;
  host?: string;
  clientId?: string;
  clientSecret?: string;
  tokenTtlSeconds?: number;
  /** Requests kept in the log `requests()` returns, the oldest dropped first (default 1000). */
  requestLogSize?: number;
}

const DEFAULT_SCOPE = 'crm:contacts:write crm:contacts:read';
const DEFAULT_REQUEST_LOG_SIZE = 1000;

export class CrmSandbox {
  readonly clientId: string;
  readonly clientSecret: string;
  private readonly port: number;
  private readonly host: string;
  private readonly tokenTtlSeconds: number;
  private readonly requestLogSize: number;
  private state = freshState();
  private server?: Server;
  private baseUrl?: string;
  /** Latency timers, cleared on stop so a stopped sandbox neither applies nor keeps Node alive. */
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(options: SandboxOptions = {}) {
    this.port = options.port ?? 0;
    this.host = options.host ?? '127.0.0.1';
    this.clientId = options.clientId ?? `sandbox-${randomBytes(6).toString('hex')}`;
    this.clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
    this.requestLogSize = options.requestLogSize ?? DEFAULT_REQUEST_LOG_SIZE;
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('the CRM sandbox has not been started');
    return this.baseUrl;
  }

  get tokenUrl(): string {
    return `${this.url}/oauth/token`;
  }

  async start(): Promise<string> {
    if (this.server) throw new Error('the CRM sandbox is already running');
    const server = createServer(this.buildApp());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, resolve);
    });
    this.server = server;
    this.baseUrl = `http://${this.host}:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  /** Destroys open sockets too: hanging requests and idle keep-alive connections would block close. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.timers.forEach((timer) => clearTimeout(timer));
    this.timers.clear();
    const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    server.closeAllConnections();
    await closed;
  }

  /** Throws InvalidFaultError for a fault that could not be served. */
  inject(fault: SandboxFault): void {
    this.state.faults.push(toQueuedFault(fault));
  }

  clearFaults(): void {
    this.state.faults = [];
  }

  reset(): void {
    this.state = freshState();
  }

  revokeTokens(): void {
    this.state.tokens.clear();
  }

  stats(): SandboxStats {
    return structuredClone(this.state.stats);
  }

  records(): Record<string, Array<Record<string, unknown>>> {
    const entries = [...this.state.collections].map(([name, records]): [string, SandboxRecord[]] => [
      name,
      [...records.values()],
    ]);
    return structuredClone(Object.fromEntries(entries));
  }

  requests(): SandboxRequest[] {
    return structuredClone(this.state.log);
  }

  private buildApp(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.post('/oauth/token', express.urlencoded({ extended: false }), (req, res) => this.grantToken(req, res));
    // Raw text, parsed later: an injected fault or a 401 must win over a malformed body.
    const rawText = express.text({ type: () => true, limit: '1mb' });
    app.use('/api', rawText, (req, res, next) => this.logRequest(req, res, next));
    app.post('/api/v2/:collection/upsert', (req, res) => this.upsert(req, res));
    app.get('/_sandbox/records', (_req, res) => void res.json(this.records()));
    app.get('/_sandbox/stats', (_req, res) => void res.json(this.stats()));
    app.get('/_sandbox/requests', (_req, res) => void res.json(this.requests()));
    app.post('/_sandbox/faults', express.json(), (req, res) => this.injectOverHttp(req, res));
    app.delete('/_sandbox/faults', (_req, res) => this.noContent(res, () => this.clearFaults()));
    app.post('/_sandbox/reset', (_req, res) => this.noContent(res, () => this.reset()));
    app.post('/_sandbox/tokens/revoke', (_req, res) => this.noContent(res, () => this.revokeTokens()));
    app.use((_req, res) => void res.status(404).json({ error: 'not_found' }));
    app.use(answerError);
    return app;
  }

  private async grantToken(req: Request, res: Response): Promise<void> {
    this.state.stats.tokenRequests++;
    if (await this.serveFault('token', res)) return;
    const form = (req.body ?? {}) as Record<string, unknown>;
    const client = basicCredentials(req.get('authorization')) ?? { id: form.client_id, secret: form.client_secret };
    if (client.id !== this.clientId || client.secret !== this.clientSecret) {
      res.set('WWW-Authenticate', 'Basic realm="crm-sandbox"').status(401).json({ error: 'invalid_client' });
      return;
    }
    if (form.grant_type !== 'client_credentials') {
      res.status(400).json({ error: 'unsupported_grant_type' });
      return;
    }
    const token = randomBytes(24).toString('base64url');
    this.state.tokens.set(token, Date.now() + this.tokenTtlSeconds * 1000);
    this.state.stats.tokensIssued++;
    res.set('Cache-Control', 'no-store').json({
      access_token: token,
      token_type: 'Bearer',
      expires_in: this.tokenTtlSeconds,
      scope: typeof form.scope === 'string' && form.scope ? form.scope : DEFAULT_SCOPE,
    });
  }

  private async upsert(req: Request, res: Response): Promise<void> {
    if (await this.serveFault('api', res)) return;
    if (this.authorization(req) !== 'Bearer') {
      this.state.stats.unauthorized++;
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"').status(401).json({ error: 'invalid_token' });
      return;
    }
    const body = parseBody(req.body);
    if (!isUpsertBody(body)) {
      const message = 'body must be a JSON object with a non-empty string external_id';
      res.status(400).json({ error: 'invalid_request', message });
      return;
    }
    const key = req.get('idempotency-key') || undefined;
    const first = key === undefined ? undefined : this.state.answers.get(key);
    if (first) {
      this.state.stats.replayedKeys++;
      res.status(first.status).json(first.body);
      return;
    }
    const answer: Answer = { status: 200, body: this.apply(String(req.params.collection), body, key) };
    if (key !== undefined) this.state.answers.set(key, answer);
    this.state.stats.applied++;
    res.status(answer.status).json(answer.body);
  }

  private apply(collection: string, fields: UpsertBody, key: string | undefined) {
    const records = this.state.collections.get(collection) ?? new Map<string, SandboxRecord>();
    this.state.collections.set(collection, records);
    const existing = records.get(fields.external_id);
    const appliedKeys = existing?.applied_keys ?? [];
    const record: SandboxRecord = {
      ...existing,
      ...fields,
      id: existing?.id ?? `${collection}-${++this.state.lastId}`,
      version: (existing?.version ?? 0) + 1,
      applied_keys: key === undefined ? appliedKeys : [...appliedKeys, key],
    };
    records.set(record.external_id, record);
    return { id: record.id, external_id: record.external_id, version: record.version, created: !existing };
  }

  /** Plays the next queued fault for the target; true when the request is answered (or left hanging). */
  private async serveFault(target: QueuedFault['target'], res: Response): Promise<boolean> {
    const index = this.state.faults.findIndex((fault) => fault.target === target);
    if (index < 0) return false;
    const fault = this.state.faults[index];
    if (--fault.remaining <= 0) this.state.faults.splice(index, 1);
    this.state.stats.faultsServed++;
    if (fault.hang) return true;
    if (fault.latencyMs) await this.delay(fault.latencyMs);
    if (fault.status === undefined) return false;
    if (fault.retryAfter !== undefined) res.set('Retry-After', fault.retryAfter);
    res.status(fault.status).json(fault.body ?? { error: 'injected_fault' });
    return true;
  }

  private logRequest(req: Request, res: Response, next: NextFunction): void {
    const { stats, log } = this.state;
    const path = req.baseUrl + req.path;
    stats.requests++;
    stats.byPath[path] = (stats.byPath[path] ?? 0) + 1;
    const entry: SandboxRequest = {
      method: req.method,
      path,
      idempotencyKey: req.get('idempotency-key') ?? null,
      requestId: req.get('x-request-id') ?? null,
      authorization: this.authorization(req),
      body: parseBody(req.body),
      status: null,
      at: new Date().toISOString(),
      answeredAt: null,
    };
    log.push(entry);
    if (log.length > this.requestLogSize) log.shift();
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.answeredAt = new Date().toISOString();
    });
    next();
  }

  private authorization(req: Request): SandboxRequest['authorization'] {
    const header = req.get('authorization');
    if (header === undefined) return 'none';
    const token = /^Bearer +(\S+)$/i.exec(header)?.[1];
    const expiresAt = token === undefined ? undefined : this.state.tokens.get(token);
    return expiresAt !== undefined && expiresAt > Date.now() ? 'Bearer' : 'invalid';
  }

  private injectOverHttp(req: Request, res: Response): void {
    const fault = req.body as SandboxFault | undefined;
    try {
      if (typeof fault !== 'object' || fault === null || Array.isArray(fault)) {
        throw new InvalidFaultError('body must be a JSON object');
      }
      this.inject(fault);
    } catch (error) {
      if (!(error instanceof InvalidFaultError)) throw error;
      res.status(400).json({ error: 'invalid_fault', message: error.message });
      return;
    }
    res.status(201).json({ queued: this.state.faults.length });
  }

  private noContent(res: Response, action: () => void): void {
    action();
    res.status(204).end();
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}
