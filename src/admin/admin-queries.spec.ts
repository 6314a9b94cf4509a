import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { VALIDATION_OPTIONS } from '../shared/validation.pipe';
import { DeadLetterQuery, deadLetterFilter, EventSearchQuery, ReplayQuery, requireSearchFilter } from './admin-queries';

type QueryClass = typeof DeadLetterQuery | typeof ReplayQuery | typeof EventSearchQuery;

/** The application's validation pipe on a query string, as Nest runs it for `@Query()`. */
const pipe = new ValidationPipe(VALIDATION_OPTIONS);
const parse = <T extends QueryClass>(metatype: T, query: Record<string, string>): Promise<InstanceType<T>> =>
  pipe.transform(query, { type: 'query', metatype });

/** The problems the 400 lists. */
async function problems(metatype: QueryClass, query: Record<string, string>): Promise<string[]> {
  try {
    await parse(metatype, query);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return ((error as BadRequestException).getResponse() as { message: string[] }).message;
  }
  throw new Error(`${JSON.stringify(query)} was accepted`);
}

describe('DeadLetterQuery', () => {
  it('pages by 50 from the start when nothing is given, and drops parameters it does not know', async () => {
    const query = await parse(DeadLetterQuery, { other: 'x' });
    expect(query).toEqual({ limit: 50 });
    expect(query).toBeInstanceOf(DeadLetterQuery);
  });

  it('turns the numbers of the query string into numbers', async () => {
    const query = await parse(DeadLetterQuery, { limit: '500', cursor: '1234', lastStatus: '404' });
    expect(query).toMatchObject({ limit: 500, cursor: '1234', lastStatus: 404 });
  });

  it('names every bad parameter at once', async () => {
    const listed = await problems(DeadLetterQuery, {
      limit: '501',
      cursor: 'abc',
      lastStatus: '99',
      failedAfter: 'yesterday',
      failedBefore: '2026-13-01T00:00:00Z',
    });
    expect(listed).toEqual(
      expect.arrayContaining([
        'limit must not be greater than 500',
        'cursor must be a cursor returned by this API',
        'lastStatus must not be less than 100',
        'failedAfter must be an ISO-8601 time',
        'failedBefore must be an ISO-8601 time',
      ]),
    );
    expect(listed).toHaveLength(5);
  });

  it('refuses a limit that is not a whole number from 1', async () => {
    expect(await problems(DeadLetterQuery, { limit: '0' })).toEqual(['limit must not be less than 1']);
    expect(await problems(DeadLetterQuery, { limit: '2.5' })).toEqual(['limit must be an integer number']);
    expect(await problems(DeadLetterQuery, { cursor: '1'.repeat(20) })).toEqual([
      'cursor must be a cursor returned by this API',
    ]);
  });
});

describe('ReplayQuery', () => {
  it('takes the dead-letter filters and dryRun, and no paging', async () => {
    const query = await parse(ReplayQuery, { intent: 'log_support_ticket', dryRun: 'true', limit: '5' });
    expect(query).toEqual({ intent: 'log_support_ticket', dryRun: 'true' });
  });

  it('accepts dryRun true or false only', async () => {
    expect(await problems(ReplayQuery, { dryRun: 'yes' })).toEqual(['dryRun must be true or false']);
  });
});

describe('EventSearchQuery', () => {
  it('needs one filter: without one, a 400 naming them all and nothing else', async () => {
    const queries: Record<string, string>[] = [{}, { limit: '10' }, { source: 'default', target: 'default' }];
    for (const query of queries) {
      const parsed = await parse(EventSearchQuery, query);
      expect(() => requireSearchFilter(parsed)).toThrow(BadRequestException);
      try {
        requireSearchFilter(parsed);
      } catch (error) {
        expect((error as BadRequestException).getResponse()).toEqual({
          statusCode: 400,
          error: 'Bad Request',
          message: ['at least one of conversationId, externalId, state, intent is required'],
        });
      }
    }
  });

  it('takes any one filter alone', async () => {
    const filters: Record<string, string>[] = [
      { conversationId: 'c' },
      { externalId: 'C-1' },
      { state: 'dead' },
      { intent: 'i' },
    ];
    for (const filter of filters) {
      const parsed = await parse(EventSearchQuery, filter);
      expect(parsed).toEqual({ limit: 50, ...filter });
      expect(() => requireSearchFilter(parsed)).not.toThrow();
    }
  });

  it('names the states a state filter may take', async () => {
    expect(await problems(EventSearchQuery, { state: 'lost' })).toEqual([
      'state must be one of queued, delivered, dead, stale',
    ]);
  });

  it('refuses a filter longer than 10,000 characters', async () => {
    expect(await problems(EventSearchQuery, { externalId: 'x'.repeat(10_001) })).toEqual([
      'externalId must be shorter than or equal to 10000 characters',
    ]);
  });
});

describe('deadLetterFilter', () => {
  it('hands the store epoch milliseconds, and leaves out what the query did not set', async () => {
    const query = await parse(DeadLetterQuery, {
      objectType: 'contact',
      failedAfter: '2026-11-26T10:00:00Z',
      failedBefore: '2026-11-26T11:00:00.500+01:00',
    });
    expect(deadLetterFilter(query)).toEqual({
      intent: undefined,
      objectType: 'contact',
      lastStatus: undefined,
      failedAfter: Date.UTC(2026, 10, 26, 10),
      failedBefore: Date.UTC(2026, 10, 26, 10, 0, 0, 500),
    });
  });
});
