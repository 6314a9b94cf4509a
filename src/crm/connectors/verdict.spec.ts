import { CrmResult } from '../client/crm-client';
import { CrmAnswer, connectorErrorReason, deliveredVerdict, refusedVerdict, verdictOf } from './verdict';

const answered = (status: number, body: string): CrmResult => ({
  kind: 'response',
  status,
  headers: {},
  body,
  excerpt: body,
  sent: 2,
  requests: [
    { at: 1, status: 401, error: 'CRM answered 401: expired', durationMs: 3 },
    { at: 2, status, error: null, durationMs: 4 },
  ],
});

describe('verdictOf', () => {
  it("is the judge's verdict when it judges", () => {
    expect(verdictOf(answered(200, '{}'), (a) => deliveredVerdict(a.status))).toEqual({
      verdict: deliveredVerdict(200),
      attempts: 2,
      requests: answered(200, '{}').requests,
    });
  });

  it('is a retry naming the exception when the judge throws; the answered request says so too', () => {
    const result = answered(200, '[null]');
    const judged = verdictOf(result, (a) => {
      const [first] = JSON.parse(a.body) as Array<{ id: string }>;
      return deliveredVerdict(a.status, { crmRecordId: first.id, created: null });
    });
    const reason = "connector error: TypeError: Cannot read properties of null (reading 'id')";
    expect(judged).toEqual({
      verdict: { action: 'retry', attempt: { status: 200, error: reason }, afterMs: undefined },
      attempts: 2,
      requests: [result.requests[0], { ...result.requests[1], error: reason }],
    });
    // The result's own records are not changed (a batch shares them between its events).
    expect(result.requests[1].error).toBeNull();
  });
});

describe('connectorErrorReason', () => {
  it('names the exception on one short line', () => {
    expect(connectorErrorReason(new RangeError('Maximum call stack\n  size exceeded'))).toBe(
      'connector error: RangeError: Maximum call stack size exceeded',
    );
    expect(connectorErrorReason(new Error('x'.repeat(500)))).toHaveLength(200);
  });

  it('reads what is thrown that is not an Error, even what cannot be turned into a string', () => {
    expect(connectorErrorReason('boom')).toBe('connector error: boom');
    expect(connectorErrorReason(Object.create(null))).toBe('connector error: unreadable exception');
  });
});

describe('refusedVerdict', () => {
  const refused = (status: number, headers: Record<string, string> = {}): CrmAnswer => ({
    kind: 'response',
    status,
    headers,
    body: '',
    excerpt: '',
    sent: 1,
    requests: [],
  });

  it.each([429, 503])('%i waits as long as its Retry-After asks (seconds or an HTTP-date)', (status) => {
    expect(refusedVerdict(refused(status, { 'retry-after': '120' }), 'x')).toEqual({
      action: 'retry',
      attempt: { status, error: 'x' },
      afterMs: 120_000,
    });
    const at = new Date(Date.now() + 3_600_000).toUTCString();
    const { afterMs } = refusedVerdict(refused(status, { 'retry-after': at }), 'x') as { afterMs: number };
    expect(afterMs).toBeGreaterThan(3_590_000);
    expect(afterMs).toBeLessThanOrEqual(3_600_000);
  });

  it.each([429, 503])('%i without a usable Retry-After backs off as usual', (status) => {
    for (const headers of [{}, { 'retry-after': 'soon' }] as Array<Record<string, string>>) {
      expect(refusedVerdict(refused(status, headers), 'x')).toMatchObject({ action: 'retry', afterMs: undefined });
    }
  });

  it('other 5xx ignore a Retry-After (backoff), 401 and 408 are retried, other 4xx dead', () => {
    expect(refusedVerdict(refused(502, { 'retry-after': '120' }), 'x')).toMatchObject({ afterMs: undefined });
    expect(refusedVerdict(refused(401), 'x').action).toBe('retry');
    expect(refusedVerdict(refused(408), 'x').action).toBe('retry');
    expect(refusedVerdict(refused(404), 'x').action).toBe('dead');
  });
});
