import { documentedAnswer } from '../crm-answer.fixture';
import { collectionResults, judgeRecordResult, judgeSalesforceAnswer } from './salesforce.answers';

/*
 * Salesforce's documented answers, each sample citing its page. UPSERT: sObject Rows by External
 * ID (201 created, 200 updated with {id, success, errors, created}, 300 with the matching records,
 * 404 for an unknown object or field, a TLD-like suffix in the URL):
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_upsert_patch.htm
 * COLLECTION: sObject Collections upsert (one UpsertResult per record, in request order):
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm
 * ERRORS: status codes and error bodies [{message, errorCode}] (401 INVALID_SESSION_ID, 403
 * REQUEST_LIMIT_EXCEEDED, 503 SERVER_UNAVAILABLE):
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
 */

const CONTACT_ID = '003R000000AbCdEIAV';

describe('Salesforce upsert of one record, as documented', () => {
  // UPSERT: "HTTP status code 201 is returned if a new record is created".
  it('201: delivered, created, keeping the record id', () => {
    const body = { id: CONTACT_ID, success: true, errors: [], created: true };
    expect(judgeSalesforceAnswer(documentedAnswer(201, body))).toEqual({
      action: 'delivered',
      attempt: { status: 201, error: null, crmRecordId: CONTACT_ID, created: true },
    });
  });

  // UPSERT: an update answers 200 with created false (204 without a body in older versions).
  it('200 and 204: delivered, updated', () => {
    const body = { id: CONTACT_ID, success: true, errors: [], created: false };
    expect(judgeSalesforceAnswer(documentedAnswer(200, body))).toMatchObject({
      action: 'delivered',
      attempt: { crmRecordId: CONTACT_ID, created: false },
    });
    expect(judgeSalesforceAnswer(documentedAnswer(204))).toMatchObject({
      action: 'delivered',
      attempt: { crmRecordId: null, created: false },
    });
  });

  // UPSERT: "If the external ID matches multiple existing records, then a 300 error is returned".
  it('300: dead, naming the matching records', () => {
    const body = [
      '/services/data/v62.0/sobjects/Contact/003R000000AbCdEIAV',
      '/services/data/v62.0/sobjects/Contact/003R000000AbCdFIAV',
    ];
    expect(judgeSalesforceAnswer(documentedAnswer(300, body))).toEqual({
      action: 'dead',
      attempt: { status: 300, error: `CRM answered 300: several records match: ${body.join(', ')}` },
    });
  });

  // UPSERT: an unknown object, a field that is no External ID, or a TLD-like suffix in the URL.
  it('404: dead, keeping errorCode and message', () => {
    const body = [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }];
    expect(judgeSalesforceAnswer(documentedAnswer(404, body))).toEqual({
      action: 'dead',
      attempt: { status: 404, error: 'CRM answered 404: NOT_FOUND: The requested resource does not exist' },
    });
  });

  // ERRORS: 400, a malformed or refused request (here a validation rule).
  it('400: dead, keeping errorCode and message', () => {
    const body = [{ message: 'Status must be gold', errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', fields: [] }];
    expect(judgeSalesforceAnswer(documentedAnswer(400, body))).toMatchObject({
      action: 'dead',
      attempt: { error: 'CRM answered 400: FIELD_CUSTOM_VALIDATION_EXCEPTION: Status must be gold' },
    });
  });

  // ERRORS: 401 INVALID_SESSION_ID (the client has already refreshed the token once).
  it('401: retried', () => {
    const body = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];
    expect(judgeSalesforceAnswer(documentedAnswer(401, body)).action).toBe('retry');
  });

  // ERRORS: 403 REQUEST_LIMIT_EXCEEDED (the org's API allowance) is retried; any other 403 is dead.
  it('403: REQUEST_LIMIT_EXCEEDED retried, another 403 dead', () => {
    const limit = [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }];
    expect(judgeSalesforceAnswer(documentedAnswer(403, limit)).action).toBe('retry');
    const refused = [{ message: 'insufficient access rights', errorCode: 'INSUFFICIENT_ACCESS' }];
    expect(judgeSalesforceAnswer(documentedAnswer(403, refused)).action).toBe('dead');
  });

  // ERRORS: 409 is "the request could not be completed due to a conflict": not a success here, dead.
  it('409: dead', () => {
    const body = [{ message: 'conflict', errorCode: 'CONFLICT' }];
    expect(judgeSalesforceAnswer(documentedAnswer(409, body)).action).toBe('dead');
  });

  // ERRORS: 503 SERVER_UNAVAILABLE; its Retry-After is honoured. A 429 likewise.
  it('503 and 429: retried after their Retry-After', () => {
    const body = [{ message: 'Server is unavailable', errorCode: 'SERVER_UNAVAILABLE' }];
    expect(judgeSalesforceAnswer(documentedAnswer(503, body, { 'retry-after': '120' }))).toMatchObject({
      action: 'retry',
      afterMs: 120_000,
    });
    expect(judgeSalesforceAnswer(documentedAnswer(429, body, { 'retry-after': '2' }))).toMatchObject({
      afterMs: 2_000,
    });
  });
});

describe('Salesforce collection upsert, as documented', () => {
  // COLLECTION: a 200 whose array holds one UpsertResult per record, in request order.
  const answer = documentedAnswer(200, [
    { id: CONTACT_ID, success: true, errors: [], created: true },
    { id: '003R000000AbCdFIAV', success: true, errors: [], created: false },
    {
      success: false,
      errors: [
        { statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [LastName]', fields: [] },
      ],
    },
    {
      success: false,
      errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access', fields: [] }],
    },
  ]);
  const results = collectionResults(answer);

  it('each record by its own result, in request order: created, updated, its own error dead, a lock retried', () => {
    expect(results.map((r) => judgeRecordResult(r))).toEqual([
      { action: 'delivered', attempt: { status: 200, error: null, crmRecordId: CONTACT_ID, created: true } },
      { action: 'delivered', attempt: { status: 200, error: null, crmRecordId: '003R000000AbCdFIAV', created: false } },
      {
        action: 'dead',
        attempt: {
          status: 200,
          error: 'CRM answered 200, record failed: REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]',
        },
      },
      {
        action: 'retry',
        attempt: {
          status: 200,
          error: 'CRM answered 200, record failed: UNABLE_TO_LOCK_ROW: unable to obtain exclusive access',
        },
        afterMs: undefined,
      },
    ]);
  });

  it('a record the answer has no result for is retried (nothing says it was applied)', () => {
    expect(judgeRecordResult(results[4])).toMatchObject({ action: 'retry', attempt: { status: 200 } });
  });

  // COLLECTION: a request refused as a whole (400, e.g. more than 200 records) is judged like a single upsert.
  it('a whole-request 400: dead for every record', () => {
    const body = [{ message: 'record limit exceeded: 200', errorCode: 'EXCEEDED_ID_LIMIT' }];
    expect(judgeSalesforceAnswer(documentedAnswer(400, body))).toMatchObject({
      action: 'dead',
      attempt: { error: 'CRM answered 400: EXCEEDED_ID_LIMIT: record limit exceeded: 200' },
    });
  });
});
