import { documentedAnswer } from '../crm-answer.fixture';
import { judgeDataverseAnswer } from './dataverse.answers';

/*
 * Dataverse's documented answers, each sample citing its page. UPSERT: PATCH by alternate key
 * (204 No Content with OData-EntityId; 201/200 with Prefer: return=representation; 412 with
 * If-Match): https://learn.microsoft.com/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api
 * ERRORS: the error body {error: {code, message}} and statuses:
 *   https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors
 * CODES: 0x80060891 (no row with the key), 0x80044410 (an incident without its customer):
 *   https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes
 * LIMITS: service protection, 429 with Retry-After:
 *   https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
 */

const GUID = '00000000-0000-0000-0000-000000000001';
const error = (code: string, message: string) => ({ error: { code, message } });

describe('Dataverse upsert by alternate key, as documented', () => {
  // UPSERT: 204, the row's URL in OData-EntityId; whether it was created is not said.
  it('204: delivered, the record id from OData-EntityId, created unknown', () => {
    const headers = { 'odata-entityid': `https://org.crm.dynamics.com/api/data/v9.2/contacts(${GUID})` };
    expect(judgeDataverseAnswer(documentedAnswer(204, undefined, headers))).toEqual({
      action: 'delivered',
      attempt: { status: 204, error: null, crmRecordId: GUID, created: null },
    });
  });

  // UPSERT: with a representation, 201 Created for a new row, 200 OK for an updated one.
  it('201 and 200 (with a representation): created and updated', () => {
    expect(judgeDataverseAnswer(documentedAnswer(201, { contactid: GUID }))).toMatchObject({
      attempt: { created: true },
    });
    expect(judgeDataverseAnswer(documentedAnswer(200, { contactid: GUID }))).toMatchObject({
      attempt: { created: false },
    });
  });

  // CODES: a lookup bound to a key no row has.
  it('404: dead, keeping code and message', () => {
    const body = error('0x80060891', 'A record with the specified key values does not exist in contact entity');
    expect(judgeDataverseAnswer(documentedAnswer(404, body))).toEqual({
      action: 'dead',
      attempt: {
        status: 404,
        error: 'CRM answered 404: 0x80060891: A record with the specified key values does not exist in contact entity',
      },
    });
  });

  // CODES: a new incident without its customer.
  it('400: dead, keeping code and message', () => {
    const body = error('0x80044410', 'You should specify a parent contact or account.');
    expect(judgeDataverseAnswer(documentedAnswer(400, body))).toMatchObject({
      action: 'dead',
      attempt: { error: 'CRM answered 400: 0x80044410: You should specify a parent contact or account.' },
    });
  });

  // UPSERT: 412 Precondition Failed (If-Match / If-None-Match): dead.
  it('412: dead', () => {
    const body = error(
      '0x80060882',
      'The version of the existing record does not match the RowVersion property provided.',
    );
    expect(judgeDataverseAnswer(documentedAnswer(412, body)).action).toBe('dead');
  });

  // ERRORS: 409 (e.g. a duplicate key): no success here, dead.
  it('409: dead', () => {
    expect(
      judgeDataverseAnswer(documentedAnswer(409, error('0x80040237', 'Cannot insert duplicate key.'))).action,
    ).toBe('dead');
  });

  // LIMITS: 429 with Retry-After (seconds); a 503's Retry-After is honoured too (every connector).
  it('429 and 503: retried after their Retry-After', () => {
    const body = error('0x80072322', 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.');
    expect(judgeDataverseAnswer(documentedAnswer(429, body, { 'retry-after': '20' }))).toMatchObject({
      action: 'retry',
      afterMs: 20_000,
    });
    expect(judgeDataverseAnswer(documentedAnswer(503, 'Service Unavailable', { 'retry-after': '5' }))).toMatchObject({
      afterMs: 5_000,
    });
  });

  // ERRORS: 401 with an expired token (the client refreshes once; then it is a failure): retried.
  it('401: retried', () => {
    expect(judgeDataverseAnswer(documentedAnswer(401, '')).action).toBe('retry');
  });
});
