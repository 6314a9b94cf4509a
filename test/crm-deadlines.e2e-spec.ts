import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { CrmBreaker } from '../src/crm/client/crm-breaker';
import { OperatorEvents } from '../src/queue/operator-events';
import { StoredEvent } from '../src/queue/stored-event';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, sendAccepted, unique } from './support/webhook-cases';

/**
 * Deadlines on every outbound call and answers over the size cap, through the real app against a
 * real HTTP peer (a node:http server playing token endpoint and CRM API): a token endpoint or CRM
 * that drips its answer one byte at a time fails the attempt once CRM_TIMEOUT_MS has passed (the
 * socket is never silent long enough for an idle timeout); a 2xx whose body is larger than the
 * service reads is delivered, because the status decides.
 */

const SECRET = 'deadline-secret';
const ADMIN_TOKEN = 'deadline-admin';
const TIMEOUT_MS = 2000;
const DRIP_EVERY_MS = 200;
/** Larger than the 1 MiB the client reads of an answer. */
const HUGE_BYTES = 3 * 1024 * 1024;

type TokenMode = 'ok' | 'drip';
type ApiMode = 'ok' | 'drip' | 'huge-200' | 'huge-422';

/** The peer: what it answers next, and what it saw per external id. */
class Peer {
  token: TokenMode = 'ok';
  api: ApiMode = 'ok';
  tokenRequests = 0;
  readonly requests = new Map<string, number>();
  private readonly server: Server = createServer((req, res) => void this.handle(req, res));
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    if (req.url === '/token') {
      this.tokenRequests++;
      const answer = JSON.stringify({ access_token: unique('tok'), token_type: 'Bearer', expires_in: 3600 });
      return this.token === 'drip' ? drip(res, answer) : json(res, 200, answer);
    }
    const externalId = (JSON.parse(raw) as { external_id: string }).external_id;
    this.requests.set(externalId, (this.requests.get(externalId) ?? 0) + 1);
    if (this.api === 'drip') return drip(res, JSON.stringify({ id: externalId }));
    if (this.api === 'huge-200') return json(res, 200, JSON.stringify({ id: externalId, pad: 'x'.repeat(HUGE_BYTES) }));
    if (this.api === 'huge-422')
      return json(res, 422, JSON.stringify({ error: 'unprocessable', pad: 'y'.repeat(HUGE_BYTES) }));
    return json(res, 200, JSON.stringify({ id: externalId }));
  }
}

function json(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

/** A 200 whose body arrives one byte every DRIP_EVERY_MS, for as long as the client listens. */
function drip(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length + 10_000) });
  let sent = 0;
  const timer = setInterval(() => res.write(body[sent++ % body.length]), DRIP_EVERY_MS);
  res.on('close', () => clearInterval(timer));
}

const peer = new Peer();
let t: TestApp;

beforeAll(async () => {
  await peer.start();
  t = await startTestApp({
    COGNIGY_WEBHOOK_SECRETS: SECRET,
    ADMIN_TOKEN,
    CRM_BASE_URL: peer.url,
    CRM_TOKEN_URL: `${peer.url}/token`,
    CRM_CLIENT_ID: 'client',
    CRM_CLIENT_SECRET: 'client-secret',
    CRM_TIMEOUT_MS: String(TIMEOUT_MS),
    CRM_RETRY_BASE_MS: '10',
    CRM_RETRY_MAX_MS: '40',
    CRM_BREAKER_THRESHOLD: '1000',
  });
});

afterAll(async () => {
  await t?.close();
  await peer.stop();
});

afterEach(() => {
  peer.token = 'ok';
  peer.api = 'ok';
});

async function sendContact(): Promise<{ eventId: string; customerId: string }> {
  const customerId = unique('C');
  const eventId = await sendAccepted(t, SECRET, contactDialog(customerId, { newStatus: { value: 'gold' } }));
  return { eventId, customerId };
}

const eventOf = (eventId: string) => t.app.get(OperatorEvents).get(eventId);

function waitUntil(eventId: string, ok: (e: StoredEvent) => boolean, what: string): Promise<StoredEvent> {
  return waitFor(
    async () => {
      const event = await eventOf(eventId);
      return event && ok(event) ? event : null;
    },
    { timeoutMs: 20000, what },
  );
}

describe('every outbound request has the whole-exchange deadline', () => {
  it('a token endpoint dripping its answer fails the attempt like a timeout and shows in readiness details', async () => {
    peer.token = 'drip';
    const { eventId } = await sendContact();

    const failed = await waitUntil(eventId, (e) => e.attempts >= 1, 'a failed attempt');
    expect(failed.state).toBe('queued');
    expect(failed.lastError).toBe('token endpoint timed out');
    const ready = await request(t.server).get('/health/ready').set('authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(ready.status).toBe(200);
    expect(ready.body.details.crm.token).toMatchObject({ cached: false, lastError: 'token endpoint timed out' });

    peer.token = 'ok';
    const delivered = await waitUntil(eventId, (e) => e.state === 'delivered', 'delivered');
    expect(delivered.lastStatus).toBe(200);
    // A token endpoint failure is a failed attempt, not a CRM breaker failure.
    expect(t.app.get(CrmBreaker).state).toBe('closed');
  });

  it('a CRM dripping its answer body is a timed-out attempt, retried', async () => {
    // A token first, so that only the API request can stall.
    const warmup = await sendContact();
    await waitUntil(warmup.eventId, (e) => e.state === 'delivered', 'warm-up delivered');
    peer.api = 'drip';
    const { eventId, customerId } = await sendContact();

    const failed = await waitUntil(eventId, (e) => e.attempts >= 1, 'a failed attempt');
    expect(failed.lastError).toMatch(/timed out/);
    expect(failed.lastStatus).toBeNull();

    peer.api = 'ok';
    await waitUntil(eventId, (e) => e.state === 'delivered', 'delivered');
    expect(peer.requests.get(customerId)).toBeGreaterThanOrEqual(2);
  });
});

describe('an answer larger than the client reads', () => {
  it('a 2xx with a huge body is delivered on its status, in one attempt', async () => {
    peer.api = 'huge-200';
    const { eventId, customerId } = await sendContact();

    const event = await waitUntil(eventId, (e) => e.state !== 'queued', 'settled');
    expect(event).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 200, lastError: null });
    expect(peer.requests.get(customerId)).toBe(1);
    expect(t.app.get(CrmBreaker).state).toBe('closed');
  });

  it('a 4xx with a huge body is a dead letter keeping only an excerpt of it', async () => {
    peer.api = 'huge-422';
    const { eventId, customerId } = await sendContact();

    const event = await waitUntil(eventId, (e) => e.state !== 'queued', 'settled');
    expect(event).toMatchObject({ state: 'dead', attempts: 1, lastStatus: 422 });
    expect(event.lastError).toContain('unprocessable');
    expect(event.lastError!.length).toBeLessThan(400);
    expect(peer.requests.get(customerId)).toBe(1);
  });
});
