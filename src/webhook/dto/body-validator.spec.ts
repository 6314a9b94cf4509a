import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { parseJsonBody, WebhookBodyPipe } from './webhook-body.pipe';
import { InvalidPayloadError } from '../request/webhook-errors';
import { MAX_ENTITY_NAME, MAX_STRING } from './body-limits';
import { BodyValidator } from './body-validator';
import { DialogCompleteDto } from './dialog-complete.dto';
import { isExactNumber } from './validators';

/**
 * The fast path is the DTO's own rules run as plain calls. Over generated bodies, valid and
 * invalid, the webhook body pipe (fast path first) answers exactly what the pipe alone answers:
 * the same DTO, or a 400 with the same messages; and the fast path accepts exactly the bodies the
 * pipe accepts, so no valid body pays for the pipe.
 */

const RUNS = 10_000;
const REQUIRED = ['conversationId', 'botId', 'status', 'intent', 'timestamp'] as const;
const FIELDS = [...REQUIRED, 'entities', 'metadata'] as const;
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype'];

/** Strings around the length limit, counted in UTF-16 units and in code points (MaxLength counts these). */
const edgeString = fc.constantFrom(
  'x'.repeat(MAX_STRING),
  'x'.repeat(MAX_STRING + 1),
  '😀'.repeat(MAX_STRING / 2 + 1),
  '😀'.repeat(MAX_STRING + 1),
  ' ',
  '\u0000',
);
const validString = fc.oneof(
  { weight: 30, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  { weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 8, unit: 'binary' }) },
  { weight: 1, arbitrary: edgeString },
);
const validTime = fc.oneof(
  fc
    .date({ min: new Date('1970-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom('2026-11-26', '2026-11-26T10:00', '2026-11-26T10:00:00+01:00', '2026-11-26T10:00:00.123456789-0530'),
);
const badTime = fc.oneof(
  fc.constantFrom(
    '2026-02-30T10:00:00Z',
    '2026-13-01',
    'yesterday',
    '2026-11-26T25:00:00Z',
    '',
    '2026-11-26T10:00:00Q',
  ),
  fc.string({ maxLength: 30 }),
);
const name = fc.oneof(
  { weight: 40, arbitrary: fc.string({ minLength: 1, maxLength: 10 }) },
  { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
  { weight: 1, arbitrary: fc.constantFrom('n'.repeat(MAX_ENTITY_NAME), 'n'.repeat(MAX_ENTITY_NAME + 1)) },
);
const confidence = fc.oneof(
  { weight: 30, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, -0.01, 1.5, 7) },
);
const entity = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.record(
      {
        value: fc.oneof(
          validString,
          fc.integer(),
          fc.boolean(),
          fc.double({ noNaN: true, min: -1e15, max: 1e15 }),
          // Integers JSON.parse cannot keep exactly (refused), and the last ones it can.
          fc.constantFrom(2 ** 53, -(2 ** 53), 1e300, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
        ),
        confidence,
      },
      { requiredKeys: ['value'] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ value: fc.oneof(fc.constant(null), fc.array(fc.integer()), fc.object()) }) },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.constant(null), fc.array(fc.string())) },
);
const entities = fc.array(fc.tuple(name, entity), { maxLength: 4 });
/** `value` with each integer beyond 2^53 (which the DTO refuses) replaced by one within it. */
function withSafeIntegers(value: unknown): unknown {
  if (typeof value === 'number') return isExactNumber(value) ? value : value % Number.MAX_SAFE_INTEGER;
  if (Array.isArray(value)) return value.map(withSafeIntegers);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, withSafeIntegers(child)]));
}
const metadata = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.dictionary(
      name,
      fc.oneof(
        // fast-check's JSON numbers are mostly huge: most are brought within 2^53 (as real metadata is).
        { weight: 30, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(withSafeIntegers) },
        { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
        { weight: 1, arbitrary: edgeString },
      ),
      { maxKeys: 4 },
    ),
  },
  { weight: 1, arbitrary: fc.oneof(fc.array(fc.string()), fc.string(), fc.integer()) },
);
/** Anything JSON can say, for a field where it mostly does not belong. */
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(''), edgeString, badTime);

/** JSON text with the keys written as given: `__proto__` stays a key of its own. */
const objectText = (entries: [string, unknown][]) =>
  `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${textOf(value)}`).join(',')}}`;
function textOf(value: unknown): string {
  if (value instanceof Map) return objectText([...(value as Map<string, unknown>)]);
  return JSON.stringify(value) ?? 'null';
}

/** A (mostly) valid body; half the time up to three fields replaced by any value or left out; stray keys. */
const bodyText = fc
  .record({
    conversationId: validString,
    botId: validString,
    status: validString,
    intent: validString,
    timestamp: validTime,
    entities: fc.option(
      entities.map((list) => new Map(list)),
      { nil: undefined },
    ),
    metadata: fc.option(metadata, { nil: undefined }),
  })
  .chain((valid) =>
    fc.tuple(
      fc.constant(valid),
      fc.oneof(
        fc.constant({}),
        fc.dictionary(fc.constantFrom(...FIELDS), fc.option(anyValue, { nil: undefined }), { minKeys: 1, maxKeys: 3 }),
      ),
      fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS, 'extra'), fc.string()), fc.jsonValue()), {
        maxLength: 2,
      }),
    ),
  )
  .map(([valid, broken, extra]) => {
    const fields = { ...valid, ...broken };
    const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
    return objectText([...entries, ...extra]);
  });

type Outcome = { accepted: object } | { refused: string[] };

async function outcome(run: () => Promise<object>): Promise<Outcome> {
  try {
    return { accepted: await run() };
  } catch (error) {
    if (!(error instanceof InvalidPayloadError)) throw error;
    return { refused: error.details };
  }
}

/**
 * expect(actual).toEqual(expected), with Jest's matcher (it records a stack trace per call, the
 * most expensive part of a run) only when the cheaper, stricter comparison finds a difference.
 */
function expectEqual(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

describe('BodyValidator of DialogCompleteDto: the fast path against the pipe', () => {
  const validator = BodyValidator.of(DialogCompleteDto);
  const pipe = new WebhookBodyPipe();

  it('has a fast path, derived from the DTO', () => {
    expect(validator.accept).toBeDefined();
  });

  it(`answers as the pipe alone for ${RUNS} generated bodies, and accepts at once what the pipe accepts`, async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(bodyText, async (text) => {
        const raw = Buffer.from(text);
        // A fresh parse for each: neither may see what the other did to its body.
        const parsed = () => parseJsonBody(raw);
        const alone = await outcome(() => validator.throughPipe(parsed()));
        const fast = validator.accept!(parsed());
        const acceptedAlone = 'accepted' in alone;
        if ((fast !== undefined) !== acceptedAlone) expect(fast !== undefined).toBe(acceptedAlone);
        if (!fast || !acceptedAlone) return; // the pipe's refusal is then alone's, word for word
        accepted++;
        const piped = await outcome(() => pipe.transform(raw, { type: 'custom', metatype: DialogCompleteDto }));
        // toEqual, not toStrictEqual: the latter compares `constructor`, here possibly an entity.
        expectEqual(piped, alone);
        if (!(fast instanceof DialogCompleteDto)) expect(fast).toBeInstanceOf(DialogCompleteDto);
        expectEqual(fast, alone.accepted);
        expectEqual(Object.keys(fast), Object.keys(alone.accepted));
      }),
      { numRuns: RUNS },
    );
    // Both kinds of body were generated in numbers.
    expect(accepted).toBeGreaterThan(RUNS * 0.3);
    expect(accepted).toBeLessThan(RUNS * 0.8);
  });
});
