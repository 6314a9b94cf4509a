import { randomBytes } from 'node:crypto';
import { AuthMode, Broken, BuiltRequest, Deliverable, DIALOG, Draft, ENDPOINT, FUZZ_AUTH } from './fuzz-drafts';
import { cognigySignature, nowSeconds, standardSignature } from './signing';

/** The requests of the reliability fuzzer's drafts (fuzz-drafts.ts), and the answers each may get. */

/** A stable permutation of an object's keys at every depth, from `seed`. */
function reordered(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => reordered(v, seed + i));
  if (typeof value !== 'object' || value === null) return value;
  const rank = (key: string) => [...key].reduce((h, c) => Math.imul(h ^ c.codePointAt(0)!, 16777619) >>> 0, seed >>> 0);
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b));
  return Object.fromEntries(keys.map((k) => [k, reordered((value as Record<string, unknown>)[k], seed + 1)]));
}

const eventTime = (d: Deliverable): string => {
  const at = new Date(Date.now() - d.ageSeconds * 1000);
  if (d.timeFormat === 'seconds') return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (d.timeFormat === 'offset') return new Date(at.getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00');
  return at.toISOString();
};

/** The body object of a deliverable, number `n`; its external id as the CRM must get it. */
function deliverableBody(d: Deliverable, n: number): { body: Record<string, unknown>; externalId: string } {
  const idName = d.intent === 'update_customer_profile' ? 'customerId' : 'ticketId';
  // A number stays exact (within 2^53); text keeps its unicode. Either way `n` makes it new.
  const idValue = 'number' in d.id ? d.id.number * 1_000_000 + n : `${d.id.text}~${n}`;
  const entities = { ...d.entities, [idName]: { value: idValue, confidence: d.idConfidence } };
  const data = { intent: d.intent, entities, status: d.names.status, timestamp: eventTime(d), botId: d.names.bot };
  const tagged = { ...data, ...(d.metadata ? { metadata: d.metadata } : {}) };
  const conversation = `${d.names.conversation}·${n}`;
  const body =
    d.route === 'dialog'
      ? { conversationId: conversation, ...tagged }
      : {
          sessionId: conversation,
          userId: 'fuzz-user',
          AIOutput: {
            text: 'ok',
            data: tagged,
            source: 'bot',
            ...(d.idHeader === 'trace-id' ? { traceId: `trace-${n}` } : {}),
          },
        };
  return { body, externalId: String(idValue) };
}

const layoutOf = (value: unknown, d: Deliverable) =>
  `${d.layout.around}${JSON.stringify(reordered(value, d.layout.seed), null, d.layout.indent)}${d.layout.around}`;

/** The headers authenticating `raw` under `mode` (wrong: under credentials the service does not have). */
function authHeaders(mode: AuthMode, raw: string, n: number, wrong = false): Record<string, string> {
  const secret = wrong ? 'not-the-secret' : FUZZ_AUTH.hmacSecret;
  const hex = cognigySignature(secret, raw);
  const now = nowSeconds();
  switch (mode) {
    case 'hmac':
      return { 'x-cognigy-signature': hex };
    case 'hmac-upper':
      return { 'x-cognigy-signature': hex.toUpperCase() };
    case 'hmac-prefixed':
      return { 'x-cognigy-signature': `sha256=${hex}` };
    case 'hmac-timestamp':
      return { 'x-cognigy-timestamp': String(now), 'x-cognigy-signature': cognigySignature(secret, raw, now) };
    case 'standard': {
      const id = `msg_${n}_${randomBytes(4).toString('hex')}`;
      const whsec = wrong
        ? `whsec_${Buffer.from('another-secret-another-secret-32').toString('base64')}`
        : FUZZ_AUTH.standardSecret;
      return {
        'webhook-id': id,
        'webhook-timestamp': String(now),
        'webhook-signature': standardSignature(whsec, id, now, raw),
      };
    }
    case 'basic': {
      const password = wrong ? 'wrong-password' : FUZZ_AUTH.basicPassword;
      return { authorization: `Basic ${Buffer.from(`${FUZZ_AUTH.basicUser}:${password}`).toString('base64')}` };
    }
    case 'apikey':
      return { 'x-api-key': wrong ? 'wrong-key' : FUZZ_AUTH.apiKey };
  }
}

function buildDeliverable(d: Deliverable, n: number): BuiltRequest {
  const { body, externalId } = deliverableBody(d, n);
  const text = layoutOf(body, d);
  const headers: Record<string, string> = { 'content-type': d.contentType, ...authHeaders(d.auth, text, n) };
  if (d.idHeader === 'idempotency-key') headers['idempotency-key'] = `fuzz-key-${n}`;
  if (d.idHeader === 'x-cognigy-event-id') headers['x-cognigy-event-id'] = `fuzz-event-${n}`;
  const collection = d.intent === 'update_customer_profile' ? 'contacts' : 'tickets';
  return {
    path: d.route === 'dialog' ? DIALOG : ENDPOINT,
    raw: text,
    headers,
    expected: { collection, externalId },
    coverage: `${d.route} ${d.auth}`,
  };
}

const UNSAFE_MARK = '@@fuzz-unsafe-id@@';

/** The raw body of `b`: its deliverable with the one fault, put in the object, then laid out. */
function brokenRaw(b: Broken, n: number): string {
  const { body } = deliverableBody(b.base, n);
  if (b.fault === 'not-an-object') return layoutOf([body], b.base);
  const data = (b.base.route === 'dialog' ? body : (body.AIOutput as Record<string, unknown>).data) as Record<
    string,
    Record<string, { value: unknown }>
  >;
  if (b.fault === 'future-timestamp') {
    (data as Record<string, unknown>).timestamp = new Date(Date.now() + 86_400_000).toISOString();
    return layoutOf(body, b.base);
  }
  data.entities[b.base.intent === 'update_customer_profile' ? 'customerId' : 'ticketId'].value = UNSAFE_MARK;
  const unsafe = b.fault === 'unsafe-integer-id' ? '12345678901234567890' : '"\\ud800"';
  return layoutOf(body, b.base).replace(`"${UNSAFE_MARK}"`, unsafe);
}

/**
 * The request of `draft`, send number `n`; `sent` are the deliverables sent so far (a replay
 * resends one of them byte for byte). Null when there is nothing to replay yet.
 */
export function build(draft: Draft, n: number, sent: BuiltRequest[]): BuiltRequest | null {
  switch (draft.kind) {
    case 'deliverable':
      return buildDeliverable(draft, n);
    case 'replay': {
      const original = sent[sent.length - 1 - (draft.back % Math.max(sent.length, 1))];
      return original ? { path: original.path, raw: original.raw, headers: original.headers } : null;
    }
    case 'wrong-credentials': {
      const { path, raw } = buildDeliverable(draft.base, n);
      return {
        path,
        raw,
        headers: { 'content-type': 'application/json', ...authHeaders(draft.base.auth, raw, n, true) },
      };
    }
    case 'broken': {
      const raw = brokenRaw(draft, n);
      const { path } = buildDeliverable(draft.base, n);
      return { path, raw, headers: { 'content-type': 'application/json', ...authHeaders('hmac', raw, n) } };
    }
    case 'arbitrary': {
      const hex = cognigySignature(FUZZ_AUTH.hmacSecret, draft.raw);
      const signatures = {
        valid: hex,
        upper: hex.toUpperCase(),
        prefixed: `sha256=${hex}`,
        wrong: cognigySignature('other', draft.raw),
      };
      const headers: Record<string, string> = {};
      if (draft.signature !== 'missing') headers['x-cognigy-signature'] = signatures[draft.signature];
      if (draft.contentType) headers['content-type'] = draft.contentType;
      if (draft.idHeader !== undefined) headers['idempotency-key'] = encodeURIComponent(draft.idHeader);
      return { path: draft.path, raw: draft.raw, headers };
    }
  }
}

/** The answers a request of `draft` may get (besides a 503 with Retry-After, always allowed). */
export function allowedAnswers(draft: Draft): number[] {
  switch (draft.kind) {
    case 'deliverable':
      return [202];
    case 'replay':
      return [200];
    case 'wrong-credentials':
      return [401];
    case 'broken':
      return [400];
    case 'arbitrary':
      return draft.signature === 'wrong' || draft.signature === 'missing'
        ? [400, 401, 413, 415]
        : [200, 202, 400, 401, 413, 415, 422];
  }
}
