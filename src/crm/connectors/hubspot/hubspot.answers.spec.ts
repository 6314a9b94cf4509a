import { documentedAnswer } from '../crm-answer.fixture';
import { batchAnswerOf, InputKey, judgeHubspotFailure, judgeInput } from './hubspot.answers';

/*
 * HubSpot's documented answers to POST /crm/v3/objects/<object>/batch/upsert, each sample citing
 * its page. BATCH_UPSERT: the endpoint's reference (200/207 bodies, SimplePublicUpsertObject with
 * objectWriteTraceId, StandardError with context):
 *   https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/upsert-contacts
 * ERRORS: error bodies and multi-status errors (207 only when inputs carry objectWriteTraceId):
 *   https://developers.hubspot.com/docs/api-reference/error-handling
 * LIMITS: the 429 body of the secondly limit:
 *   https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details
 */

const KEY: InputKey = { traceId: 'evt-1', idField: 'cognigy_customer_id', externalId: 'C-1001' };
const OTHER: InputKey = { traceId: 'evt-2', idField: 'cognigy_customer_id', externalId: 'C-1002' };

const upserted = (id: string, isNew: boolean, traceId?: string, properties: Record<string, string> = {}) => ({
  id,
  properties: { hs_object_id: id, createdate: '2026-11-26T10:00:00.000Z', ...properties },
  createdAt: '2026-11-26T10:00:00.000Z',
  updatedAt: '2026-11-26T10:00:01.000Z',
  archived: false,
  new: isNew,
  ...(traceId ? { objectWriteTraceId: traceId } : {}),
});

const judged = (status: number, body: unknown, key = KEY) =>
  judgeInput(status, batchAnswerOf(documentedAnswer(status, body)), key);

describe('HubSpot batch upsert answers, as documented', () => {
  // BATCH_UPSERT: 200 BatchResponseSimplePublicUpsertObject; `new` tells created.
  it('200: the input whose result carries its trace id is delivered, created or updated', () => {
    const body = {
      status: 'COMPLETE',
      results: [upserted('512', true, 'evt-1'), upserted('513', false, 'evt-2')],
      startedAt: '2026-11-26T10:00:00.000Z',
      completedAt: '2026-11-26T10:00:01.000Z',
    };
    expect(judged(200, body)).toEqual({
      action: 'delivered',
      attempt: { status: 200, error: null, crmRecordId: '512', created: true },
    });
    expect(judged(200, body, OTHER)).toMatchObject({ attempt: { crmRecordId: '513', created: false } });
  });

  // ERRORS (multi-status): results are not in input order; the trace id names each one's input.
  it('unordered results without the id property: each input finds its own by trace id', () => {
    const body = { status: 'COMPLETE', results: [upserted('900', false, 'evt-2'), upserted('901', true, 'evt-1')] };
    expect(judged(200, body)).toMatchObject({ action: 'delivered', attempt: { crmRecordId: '901', created: true } });
    expect(judged(200, body, OTHER)).toMatchObject({ attempt: { crmRecordId: '900', created: false } });
  });

  // BATCH_UPSERT: objectWriteTraceId is optional on results; without it the id property is the fallback.
  it('a result without any trace id is matched by the id property, never one traced to another input', () => {
    const untraced = {
      status: 'COMPLETE',
      results: [upserted('77', true, undefined, { cognigy_customer_id: 'C-1001' })],
    };
    expect(judged(200, untraced)).toMatchObject({ action: 'delivered', attempt: { crmRecordId: '77' } });
    const tracedElsewhere = {
      status: 'COMPLETE',
      results: [upserted('78', true, 'evt-9', { cognigy_customer_id: 'C-1001' })],
    };
    expect(judged(200, tracedElsewhere).action).toBe('retry');
  });

  // ERRORS (multi-status) and BATCH_UPSERT's StandardError: context maps names to string arrays.
  it('207: an input named by errors[].context.objectWriteTraceId is dead, keeping category and message', () => {
    const body = {
      status: 'COMPLETE',
      results: [upserted('512', true, 'evt-2')],
      numErrors: 1,
      errors: [
        {
          status: 'error',
          category: 'VALIDATION_ERROR',
          message: 'Property values were not valid: [{"isValid":false,"name":"cognigy_status"}]',
          context: { objectWriteTraceId: ['evt-1'] },
          errors: [],
          links: {},
        },
      ],
      startedAt: '2026-11-26T10:00:00.000Z',
      completedAt: '2026-11-26T10:00:01.000Z',
    };
    expect(judged(207, body)).toEqual({
      action: 'dead',
      attempt: {
        status: 207,
        error:
          'CRM answered 207, input failed: VALIDATION_ERROR: Property values were not valid: [{"isValid":false,"name":"cognigy_status"}]',
      },
    });
    expect(judged(207, body, OTHER)).toMatchObject({ action: 'delivered', attempt: { crmRecordId: '512' } });
  });

  it('207: an error without a trace id in its context names its input by context.ids', () => {
    const body = {
      status: 'COMPLETE',
      results: [],
      errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'gone', context: { ids: ['C-1001'] } }],
    };
    expect(judged(207, body).action).toBe('dead');
    expect(judged(207, body, OTHER).action).toBe('retry');
  });

  it('an input with neither a result nor an error is retried (nothing says it was applied)', () => {
    expect(judged(200, { status: 'COMPLETE', results: [] })).toEqual({
      action: 'retry',
      attempt: { status: 200, error: 'CRM answered 200 without a result or an error for this input' },
      afterMs: undefined,
    });
  });
});

describe('HubSpot, a request refused as a whole, as documented', () => {
  // ERRORS: the error body (the OpenAPI spec's Error example); without trace ids a bad input fails the batch.
  it('400: dead, keeping category and message', () => {
    const body = {
      status: 'error',
      message: 'Invalid input (details will vary based on the error)',
      correlationId: 'aeb5f871-7f07-4993-9211-075dc63e7cbf',
      category: 'VALIDATION_ERROR',
      links: { 'knowledge-base': 'https://www.hubspot.com/products/service/knowledge-base' },
    };
    expect(judgeHubspotFailure(documentedAnswer(400, body))).toEqual({
      action: 'dead',
      attempt: {
        status: 400,
        error: 'CRM answered 400: VALIDATION_ERROR: Invalid input (details will vary based on the error)',
      },
    });
  });

  // ERRORS: the body format (every field optional). A 409 is no success here: like any other 4xx, dead.
  it('409: dead (HubSpot refusing the input, not a success)', () => {
    const body = { status: 'error', message: 'Contact already exists', category: 'CONFLICT' };
    expect(judgeHubspotFailure(documentedAnswer(409, body))).toMatchObject({ action: 'dead' });
  });

  // LIMITS: 429 with the secondly limit's body; Retry-After when HubSpot sends one, else backoff.
  it('429: retried after Retry-After, else with backoff', () => {
    const body = {
      status: 'error',
      message: 'You have reached your secondly limit.',
      errorType: 'RATE_LIMIT',
      correlationId: 'c76c4d4c-05a6-4b7f-b1a3-5f6c2e1f3f2e',
      policyName: 'SECONDLY',
    };
    expect(judgeHubspotFailure(documentedAnswer(429, body, { 'retry-after': '10' }))).toMatchObject({
      action: 'retry',
      afterMs: 10_000,
    });
    expect(judgeHubspotFailure(documentedAnswer(429, body))).toMatchObject({ action: 'retry', afterMs: undefined });
  });

  // ERRORS: 502/504 timeouts and 503 service unavailable are HubSpot's trouble; a 503's Retry-After is honoured.
  it('503: retried after its Retry-After; 502 with backoff', () => {
    expect(judgeHubspotFailure(documentedAnswer(503, 'Service Unavailable', { 'retry-after': '30' }))).toMatchObject({
      action: 'retry',
      afterMs: 30_000,
    });
    expect(judgeHubspotFailure(documentedAnswer(502, 'Bad Gateway'))).toMatchObject({ action: 'retry' });
  });

  // ERRORS: 401 INVALID_AUTHENTICATION; a private-app token is static, so a failure retried with backoff.
  it('401: retried', () => {
    const body = {
      status: 'error',
      message: 'Authentication credentials not found.',
      category: 'INVALID_AUTHENTICATION',
    };
    expect(judgeHubspotFailure(documentedAnswer(401, body))).toMatchObject({
      action: 'retry',
      attempt: { error: 'CRM answered 401: INVALID_AUTHENTICATION: Authentication credentials not found.' },
    });
  });
});
