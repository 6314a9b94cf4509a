import fc from 'fast-check';
import { newEvent } from '../../queue/stored-event.fixture';
import { RecordUpsert } from '../../shared/dialog-completed-event';
import { Claimed } from './crm-connector';
import { CrmAnswer, Verdict } from './verdict';

/**
 * fast-check arbitraries for the property tests of the answer-judging functions: CRM answers of
 * any status, headers and body. Bodies are built as JSON text, so they can hold what JSON.parse
 * reads and JSON.stringify cannot write (values nested thousands deep).
 */

/** Runs per property: the issue asks for at least 10,000 answers per connector. */
export const RUNS = 10_000;

/** Text that JSON.parse reads into arrays or objects nested `depth` deep. */
const deepText = fc
  .tuple(fc.integer({ min: 5_000, max: 8_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  );

/** Strings a hostile or broken CRM might put where an id or a code goes. */
const oddString = fc.constantFrom(
  '',
  '.',
  '..',
  '../users/7',
  '%2e%2e',
  '0',
  '-1',
  '1e3',
  'false',
  'null',
  '\u0000',
  '😀',
);

/** Any JSON value as text, some of them very deep, some odd strings. */
export const anyJsonText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)), weight: 6 },
  { arbitrary: oddString.map((s) => JSON.stringify(s)), weight: 2 },
  { arbitrary: fc.integer().map(String), weight: 1 },
  { arbitrary: deepText, weight: 1 },
);

/** A JSON array whose items are `item` texts. */
export const arrayText = (item: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.array(item, { maxLength: 4 }).map((items) => `[${items.join(',')}]`);

/** A JSON object with any subset of the `fields` given (each its own text arbitrary), in any order. */
export function objectText(fields: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const entries = Object.entries(fields).map(([name, value]) =>
    fc.option(
      value.map((text) => `${JSON.stringify(name)}:${text}`),
      { nil: undefined },
    ),
  );
  return fc
    .tuple(...entries)
    .chain((present) => fc.shuffledSubarray(present.filter((p): p is string => p !== undefined)))
    .map((members) => `{${members.join(',')}}`);
}

/** `leaf`, or any JSON at all in its place: a field of the documented name holding the wrong thing. */
export const orAny = (leaf: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.oneof(leaf, anyJsonText);

/** A JSON string, or any JSON in its place. */
export const stringish = orAny(fc.string().map((s) => JSON.stringify(s)));
/** A boolean, or any JSON in its place (`"false"` included). */
export const booleanish = orAny(fc.constantFrom('true', 'false', '"true"', '"false"', '0', '1'));

/** A body: the connector's documented shapes with anything in their fields, any JSON, or not JSON at all. */
export const bodyText = (...shapes: fc.Arbitrary<string>[]): fc.Arbitrary<string> =>
  fc.oneof(...shapes, anyJsonText, fc.string(), fc.constant(''));

/** Any HTTP status, the ones CRMs document more often. */
export const anyStatus = fc.oneof(
  fc.integer({ min: 100, max: 599 }),
  fc.constantFrom(200, 201, 204, 207, 300, 400, 401, 403, 404, 408, 409, 412, 422, 429, 500, 503),
);

/** Headers a CRM may send, with odd values. */
export const anyHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'retry-after': fc.oneof(fc.string(), fc.constantFrom('0', '5', '-1', '1.5', 'Wed, 21 Oct 2015 07:28:00 GMT')),
    'odata-entityid': fc.oneof(
      fc.string(),
      fc.constant('https://org.crm.dynamics.com/api/data/v9.2/contacts(00000000-0000-0000-0000-000000000001)'),
    ),
  },
  { requiredKeys: [] },
);

/** A CRM answer as CrmClient hands it to a connector, with its body as text. */
const answerOf = (status: number, headers: Record<string, string>, text: string): CrmAnswer => ({
  kind: 'response',
  status,
  headers,
  body: text,
  excerpt: text.replace(/\s+/g, ' ').slice(0, 300),
  sent: 1,
  requests: [{ at: 0, status, error: null, durationMs: 1 }],
});

/** A CRM answer as CrmClient hands it to a connector. */
export const answerArbitrary = (body: fc.Arbitrary<string>): fc.Arbitrary<CrmAnswer> =>
  fc
    .record({ status: anyStatus, headers: anyHeaders, body })
    .map(({ status, headers, body: text }) => answerOf(status, headers, text));

/**
 * Throws unless `verdict` is one a judging function may give for `answer`: delivered, retry or
 * dead (nothing was sent without an answer to release), with the answer's status, an error that
 * names the failure (none when delivered), a usable wait.
 */
export function expectJudged(verdict: Verdict, answer: Pick<CrmAnswer, 'status'>): void {
  if (verdict.action === 'release') throw new Error('an answer is never released');
  if (!['delivered', 'retry', 'dead'].includes(verdict.action)) throw new Error(`action ${String(verdict.action)}`);
  const { status, error } = verdict.attempt;
  if (status !== answer.status) throw new Error(`status ${status} for an answer of ${answer.status}`);
  if (verdict.action === 'delivered' ? error !== null : typeof error !== 'string' || error.length === 0)
    throw new Error(`${verdict.action} with error ${JSON.stringify(error)}`);
  if (typeof error === 'string' && error.length > 600) throw new Error(`error of ${error.length} characters`);
  const wait = verdict.action === 'retry' ? verdict.afterMs : undefined;
  if (wait !== undefined && !(Number.isFinite(wait) && wait >= 0)) throw new Error(`wait ${wait}`);
}

/** A claimed event of `object` whose id field is `idField`, for `externalId`. */
export function claimedFor(object: string, idField: string, externalId: string): Claimed<RecordUpsert> {
  const event = newEvent({ eventId: `evt-${externalId}`, externalId });
  const { intent, objectType, body } = event.upsert;
  return {
    ...event,
    upsert: { intent, objectType, externalId, body, object, idField },
    state: 'queued',
    attempts: 0,
    replays: 0,
    nextAttemptAt: 0,
    lastStatus: null,
    lastError: null,
    crmRecordId: null,
    created: null,
    deliveredAt: null,
    failedAt: null,
    stale: false,
  };
}

/**
 * A CRM answer as CrmClient hands it to a connector, for the unit specs that feed judging functions
 * the vendors' documented answers: `body` as the vendor documents it (JSON, or text as is).
 */
export function documentedAnswer(status: number, body?: unknown, headers: Record<string, string> = {}): CrmAnswer {
  return answerOf(status, headers, body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body));
}
