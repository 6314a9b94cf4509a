import { documentedAnswer } from '../crm-answer.fixture';
import { judgeGenericAnswer } from './generic.answers';

/*
 * The original design's CRM API (SPEC §4.2's table): the service's own contract, there is no
 * vendor page. 2xx and 409 (the CRM already has the Idempotency-Key's request) delivered; 429 and
 * 503 after Retry-After; 401, 408 and 5xx retried; any other 4xx dead.
 */
describe('generic connector answers (SPEC §4.2)', () => {
  it('2xx and 409: delivered', () => {
    for (const status of [200, 201, 204])
      expect(judgeGenericAnswer(documentedAnswer(status, {})).action).toBe('delivered');
    expect(judgeGenericAnswer(documentedAnswer(409, { error: 'conflict', message: 'already applied' }))).toEqual({
      action: 'delivered',
      attempt: { status: 409, error: null, crmRecordId: null, created: null },
    });
  });

  it('429 and 503 after Retry-After; 401, 408, 500 retried; other 4xx dead with an excerpt', () => {
    expect(judgeGenericAnswer(documentedAnswer(429, '', { 'retry-after': '3' }))).toMatchObject({ afterMs: 3_000 });
    expect(judgeGenericAnswer(documentedAnswer(503, '', { 'retry-after': '4' }))).toMatchObject({ afterMs: 4_000 });
    for (const status of [401, 408, 500]) expect(judgeGenericAnswer(documentedAnswer(status, '')).action).toBe('retry');
    expect(judgeGenericAnswer(documentedAnswer(422, { error: 'bad priority' }))).toEqual({
      action: 'dead',
      attempt: { status: 422, error: 'CRM answered 422: {"error":"bad priority"}' },
    });
  });
});
