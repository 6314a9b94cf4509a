import fc from 'fast-check';

/**
 * What the reliability fuzzer generates. A `Draft` is what fast-check picks; the request is built
 * from it at send time (fuzz-requests.ts) with the send's number `n`, so every deliverable request
 * is new: its ids carry `n`. Deliverable drafts are validly authenticated (any of the four
 * modes), well-formed and mappable (arbitrary entities, metadata, unicode, key order, whitespace,
 * both routes); the others are hostile or broken in a known way, each with the answer it must get.
 */

export const DIALOG = '/webhooks/cognigy/dialog-complete';
export const ENDPOINT = '/webhooks/cognigy/endpoint-output';

/** The service's credentials for every mode (WEBHOOK_AUTH_MODES=hmac,standard,basic,apikey). */
export const FUZZ_AUTH = {
  hmacSecret: 'reliability-secret',
  standardSecret: `whsec_${Buffer.from('reliability-standard-secret-32by').toString('base64')}`,
  basicUser: 'cognigy',
  basicPassword: 'reliability-basic-password',
  apiKey: 'reliability-api-key',
};

/** The service environment that enables every mode with FUZZ_AUTH. */
export const fuzzAuthEnv = (): Record<string, string> => ({
  WEBHOOK_AUTH_MODES: 'hmac,standard,basic,apikey',
  COGNIGY_WEBHOOK_SECRETS: FUZZ_AUTH.hmacSecret,
  STANDARD_WEBHOOK_SECRETS: FUZZ_AUTH.standardSecret,
  WEBHOOK_BASIC_USER: FUZZ_AUTH.basicUser,
  WEBHOOK_BASIC_PASSWORD: FUZZ_AUTH.basicPassword,
  WEBHOOK_API_KEYS: FUZZ_AUTH.apiKey,
});

const AUTH_MODES = ['hmac', 'hmac-upper', 'hmac-prefixed', 'hmac-timestamp', 'standard', 'basic', 'apikey'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** What a deliverable request is built from. */
export interface Deliverable {
  kind: 'deliverable';
  route: 'dialog' | 'endpoint';
  auth: AuthMode;
  intent: 'update_customer_profile' | 'log_support_ticket';
  id: { text: string } | { number: number };
  idConfidence?: number;
  entities: Record<string, { value: string | number | boolean; confidence?: number }>;
  metadata?: Record<string, unknown>;
  names: { conversation: string; bot: string; status: string };
  ageSeconds: number;
  timeFormat: 'iso' | 'seconds' | 'offset';
  idHeader: 'none' | 'idempotency-key' | 'x-cognigy-event-id' | 'trace-id';
  contentType: string;
  layout: { seed: number; indent: string; around: string };
}

/** A deliverable broken in one way, validly signed: a 400. */
export interface Broken {
  kind: 'broken';
  base: Deliverable;
  fault: 'unsafe-integer-id' | 'lone-surrogate-id' | 'future-timestamp' | 'not-an-object';
}

/** Arbitrary bytes under a signature variant (the fuzzer of the first round). */
export interface Arbitrary {
  kind: 'arbitrary';
  raw: string;
  signature: 'valid' | 'upper' | 'prefixed' | 'wrong' | 'missing';
  contentType: string;
  path: string;
  idHeader?: string;
}

/** A deliverable under wrong credentials of its mode: a 401. */
export interface WrongCredentials {
  kind: 'wrong-credentials';
  base: Deliverable;
}

/** The request sent `back` deliverables ago, resent byte for byte: 200 duplicate of it. */
export interface Replay {
  kind: 'replay';
  back: number;
}

export type Draft = Deliverable | Broken | Arbitrary | WrongCredentials | Replay;

export interface BuiltRequest {
  /** For a deliverable: its route and auth mode. */
  coverage?: string;
  path: string;
  raw: string;
  headers: Record<string, string>;
  /** For a deliverable: the record the CRM must get, external id exactly as sent. */
  expected?: { collection: 'contacts' | 'tickets'; externalId: string };
}

const text = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty'];
const entityName = fc.oneof({ weight: 9, arbitrary: text(20) }, fc.constantFrom(...PROTO_KEYS));
const exactNumber = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }),
);
const entityValue = fc.oneof(text(40), exactNumber, fc.boolean());
const confidence = fc.double({ min: 0, max: 1, noNaN: true });
/** Numbers JSON.parse rounds (integer-valued beyond 2^53) are refused: kept out of deliverables. */
const exactOnly = (value: unknown): boolean =>
  typeof value === 'number'
    ? Number.isSafeInteger(value) || !Number.isInteger(value)
    : typeof value !== 'object' || value === null || Object.values(value).every(exactOnly);
const metadataValue = fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme' }).filter(exactOnly);

const deliverable: fc.Arbitrary<Deliverable> = fc.record(
  {
    kind: fc.constant('deliverable' as const),
    route: fc.constantFrom('dialog' as const, 'endpoint' as const),
    auth: fc.constantFrom(...AUTH_MODES),
    intent: fc.constantFrom('update_customer_profile' as const, 'log_support_ticket' as const),
    id: fc.oneof(fc.record({ text: text(30) }), fc.record({ number: fc.nat(2 ** 33) })),
    idConfidence: confidence,
    entities: fc.dictionary(entityName, fc.record({ value: entityValue, confidence }, { requiredKeys: ['value'] }), {
      maxKeys: 6,
    }),
    metadata: fc.dictionary(text(15), metadataValue, { maxKeys: 5 }),
    names: fc.record({
      conversation: text(20),
      bot: text(12).map((s) => s || 'bot'),
      status: fc.oneof(
        fc.constant('completed'),
        text(12).map((s) => s || 'completed'),
      ),
    }),
    ageSeconds: fc.integer({ min: 0, max: 10 * 86_400 }),
    timeFormat: fc.constantFrom('iso' as const, 'seconds' as const, 'offset' as const),
    idHeader: fc.constantFrom(
      'none' as const,
      'idempotency-key' as const,
      'x-cognigy-event-id' as const,
      'trace-id' as const,
    ),
    contentType: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'Application/JSON;charset=UTF-8',
    ),
    layout: fc.record({
      seed: fc.nat(),
      indent: fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r'), maxLength: 10 }),
      around: fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r'), maxLength: 4 }),
    }),
  },
  {
    requiredKeys: [
      'kind',
      'route',
      'auth',
      'intent',
      'id',
      'entities',
      'names',
      'ageSeconds',
      'timeFormat',
      'idHeader',
      'contentType',
      'layout',
    ],
  },
);

const arbitraryBody = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
  fc.integer({ min: 1, max: 20_000 }).map((n) => JSON.stringify({ metadata: { list: new Array(n).fill([]) } })),
  fc.integer({ min: 1, max: 200 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.string({ unit: 'binary', maxLength: 300 }),
);
const arbitrary: fc.Arbitrary<Arbitrary> = fc.record({
  kind: fc.constant('arbitrary' as const),
  raw: arbitraryBody,
  signature: fc.constantFrom(
    'valid' as const,
    'upper' as const,
    'prefixed' as const,
    'wrong' as const,
    'missing' as const,
  ),
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', ''),
  path: fc.constantFrom(DIALOG, ENDPOINT),
  idHeader: fc.option(
    fc.string({ minLength: 1, maxLength: 250 }).filter((s) => !/[\r\n]/.test(s)),
    { nil: undefined },
  ),
});

/** Deliverable about half the time: at least a third of a run's requests are new and accepted. */
export const fuzzDraft: fc.Arbitrary<Draft> = fc.oneof(
  { weight: 45, arbitrary: deliverable },
  { weight: 25, arbitrary: arbitrary },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('broken' as const),
      base: deliverable,
      fault: fc.constantFrom(
        'unsafe-integer-id' as const,
        'lone-surrogate-id' as const,
        'future-timestamp' as const,
        'not-an-object' as const,
      ),
    }),
  },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('wrong-credentials' as const), base: deliverable }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('replay' as const), back: fc.nat(50) }) },
);
