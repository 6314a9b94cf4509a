import { performance } from 'node:perf_hooks';
import { sampleDialog } from '../../src/webhook/dto/dialog-complete.fixture';
import { post } from './service-process';
import { cognigySignature } from './signing';
import { sleep } from './wait-for';

/**
 * The steady stream of signed webhooks of the crash suites (test/crash-*.e2e-spec.ts): lanes of
 * concurrent senders, each sending its records' events in event-time order, a few hostile requests
 * among them, and what each request was answered. The figures below size it and say when the kill
 * and the CRM's 503s come.
 */

export const SECRET = 'crash-secret';
const ROUTE = '/webhooks/cognigy/dialog-complete';
export const BASE_TIME = Date.parse('2026-11-26T10:00:00Z');

const LANES = 10; // concurrent senders
const RECORDS = 60; // CRM records; each lane owns RECORDS / LANES of them
const EVENTS_PER_RECORD = 5; // 300 events, sent in event-time order per record
const GAP_MS = 100; // pause between two sends (or pairs of sends) of one lane: ~300 events in ~2 s
const TOTAL = RECORDS * EVENTS_PER_RECORD;
export const KILL_AFTER = Math.floor(TOTAL * 0.45); // "in the middle"
/** When a few CRM 503s are served (events attempted so far): retries before and after the kill. */
export const FAILURES_AT = [0.15, 0.35, 0.75].map((f) => Math.floor(TOTAL * f));
export const FAILURES_EACH = 3; // below CRM_BREAKER_THRESHOLD (5): the breaker stays closed
const RETRY_PAUSE_MS = 80; // how a persistent sender retries a refused request
const SENDER_GIVE_UP_MS = 20000;

export type Kind = 'good' | 'bad-signature' | 'bad-dto' | 'bad-intent';

export interface Attempt {
  port: number;
  status?: number;
  body?: { status?: string; eventId?: string };
  /** A connection error code: ECONNREFUSED (never received) or another (maybe received). */
  error?: string;
  at: number;
}

export interface SentEvent {
  id: string;
  key: string;
  kind: Kind;
  collection: 'contacts' | 'tickets';
  externalId: string;
  eventTime: number;
  /** Retries a refused/failed request until it is answered 2xx (else: gives up at once). */
  persistent: boolean;
  /** Sends the same event again right after its 202 (a duplicate delivery). */
  repeat: boolean;
  /** The lane sends its next event (the same record's next one) at once, without a pause. */
  burst: boolean;
  raw: string;
  headers: Record<string, string>;
  attempts: Attempt[];
}

export const isAck = (a: Attempt) => a.status === 202 || (a.status === 200 && a.body?.status === 'duplicate');

export function classify(e: SentEvent): 'acked' | 'ambiguous' | 'rejected' {
  if (e.attempts.some(isAck)) return 'acked';
  // A connection reset while the kill hits: the event may or may not have been committed.
  if (e.attempts.some((a) => a.error !== undefined && a.error !== 'ECONNREFUSED')) return 'ambiguous';
  return 'rejected';
}

export function buildStream(run: string): { lanes: SentEvent[][]; all: SentEvent[] } {
  const lanes: SentEvent[][] = Array.from({ length: LANES }, () => []);
  const make = (k: number, j: number, kind: Kind, id: string, burst = false): SentEvent => {
    const ticket = k % 4 === 3;
    const externalId = ticket ? `T-${run}-${k}` : `C-${run}-${k}`;
    const eventTime = BASE_TIME + j * 60_000;
    const timestamp = new Date(eventTime).toISOString();
    const dialog = sampleDialog({
      conversationId: `conv-${id}`,
      timestamp,
      intent: kind === 'bad-intent' ? 'order_pizza' : ticket ? 'log_support_ticket' : 'update_customer_profile',
      entities: ticket
        ? { ticketId: { value: externalId }, priority: { value: `p${j}` }, issue: { value: `issue ${j}` } }
        : { customerId: { value: externalId, confidence: 0.98 }, newStatus: { value: `s${j}`, confidence: 0.9 } },
    });
    if (kind === 'bad-dto') delete dialog.botId;
    const raw = JSON.stringify(dialog);
    const signature = cognigySignature(kind === 'bad-signature' ? 'not-the-secret' : SECRET, raw);
    const n = k * EVENTS_PER_RECORD + j;
    return {
      id,
      key: `cognigy-${id}`,
      kind,
      collection: ticket ? 'tickets' : 'contacts',
      externalId,
      eventTime,
      persistent: kind === 'good' && n % 3 !== 0,
      repeat: kind === 'good' && n % 7 === 2,
      burst,
      raw,
      headers: { 'x-cognigy-signature': signature, 'x-cognigy-event-id': id },
      attempts: [],
    };
  };
  // Per lane: round-robin over its records, sending each record's events strictly in event-time
  // order (so no event is legitimately stale), in pairs: events 0+1 and 2+3 of a record back to
  // back, so the newer one is queued while the older one is in flight or waits for a retry (a
  // store that ignored per-record order would overtake the older one, which then goes stale).
  for (const group of [[0, 1], [2, 3], [4]]) {
    for (let k = 0; k < RECORDS; k++) {
      const lane = lanes[k % LANES];
      for (const j of group) lane.push(make(k, j, 'good', `${run}-r${k}-e${j}`, j !== group[group.length - 1]));
      // A few hostile requests, never sent correctly: must never be stored or applied.
      if (k < LANES * 2) {
        const kinds: Kind[] = ['bad-signature', 'bad-dto', 'bad-intent'];
        const j = group[0];
        const kind = kinds[(k + j) % kinds.length];
        lane.push(make(k, j, kind, `${run}-r${k}-e${j}-${kind}`));
      }
    }
  }
  return { lanes, all: lanes.flat() };
}

export async function attempt(e: SentEvent, port: number): Promise<Attempt> {
  const at = performance.now();
  try {
    const answer = await post(port, ROUTE, e.raw, e.headers);
    let body: Attempt['body'];
    try {
      body = JSON.parse(answer.body) as Attempt['body'];
    } catch {
      body = undefined;
    }
    return { port, status: answer.status, body, at };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { port, error: code, at };
  }
}

interface StreamHooks {
  /** Lane i sends to ports[i % n] first and fails over to the next on a connection error. */
  ports: number[];
  /** Called after every first attempt of an event (the count of events attempted so far). */
  onAttempted(count: number): void;
}

/** Runs all lanes to the end; bounded by SENDER_GIVE_UP_MS per event. */
export async function runStream(lanes: SentEvent[][], hooks: StreamHooks): Promise<void> {
  let attempted = 0;
  await Promise.all(
    lanes.map(async (lane, laneIndex) => {
      await sleep(laneIndex * (GAP_MS / LANES)); // spread the lanes over one gap
      let target = laneIndex % hooks.ports.length;
      for (const e of lane) {
        const giveUp = performance.now() + SENDER_GIVE_UP_MS;
        for (let first = true; ; first = false) {
          const result = await attempt(e, hooks.ports[target]);
          e.attempts.push(result);
          if (first) hooks.onAttempted(++attempted);
          if (result.status !== undefined && result.status >= 200 && result.status < 300) break;
          if (!e.persistent || performance.now() > giveUp) break;
          if (result.error !== undefined) target = (target + 1) % hooks.ports.length; // fail over
          await sleep(RETRY_PAUSE_MS);
        }
        if (e.repeat && e.attempts.some((a) => a.status === 202)) {
          e.attempts.push(await attempt(e, hooks.ports[target])); // Cognigy sends it again
        }
        if (!e.burst) await sleep(GAP_MS);
      }
    }),
  );
}

/** Runs `fn` over `items`, at most `limit` at once. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}
