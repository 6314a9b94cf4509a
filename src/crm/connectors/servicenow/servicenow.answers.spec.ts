import { claimedFor, documentedAnswer } from '../crm-answer.fixture';
import { errorOf, foundRecord, judgeWrite, rateLimitWait, refusedAnswer } from './servicenow.answers';

/*
 * ServiceNow's documented answers, each sample citing its page:
 * TABLE_API: GET (records in `result`, an empty array when none match), PATCH 200, POST 201, their
 *   400/404, and sysparm_query ignoring an invalid field:
 *   https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html
 * CODES: REST API HTTP response codes (401, 403 for ACL failures, 404, 405...):
 *   https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/r_RESTAPIHTTPResponseCodes.html
 * ERROR_FORMAT: {"error":{"message","detail"},"status":"failure"}, the status only in the header:
 *   https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/c_CustomWebServices.html
 * RATE_LIMITS: 429 with Retry-After, X-RateLimit-Limit/-Reset/-Rule and its error body:
 *   https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/inbound-REST-API-rate-limiting.html
 * UNAUTHENTICATED: the 401 body "User Not Authenticated" / "Required to provide Auth information":
 *   https://www.servicenow.com/docs/r/platform-security/authentication/add-OIDC-entity.html
 * ANALYTICS: `/api/now/table/invalidResource` 400 "Valid resource but an invalid table",
 *   `/api/now/table/incident` 403 "Requesting user has insufficient privileges":
 *   https://www.servicenow.com/docs/r/api-reference/web-services/c_APIAnalyticsCollectClean.html
 * QUOTED: the texts of the 404 ("No Record found" / "Record doesn't exist or ACL restricts the record
 *   retrieval") and 403 ("Operation Failed" / "ACL Exception ... Failed due to security constraints")
 *   bodies are not on ServiceNow's pages; they are as integrators quote them, e.g.
 *   https://support.okta.com/help/s/article/ServiceNow-Provisioning-Error-Record-Doesnt-Exist-Or-ACL-Restricts-The-Record-Retrieval
 */

const failure = (message: string, detail: string | null) => ({ error: { message, detail }, status: 'failure' });
const INCIDENT = claimedFor('incident', 'correlation_id', 'T-1001').upsert;
const SYS_ID = 'ef43c6d40a0a0b5700c77f9bf387afe3';
const OTHER_SYS_ID = 'a9e30c7dc61122760116894de7bcc7bd';

describe('ServiceNow writes, as documented', () => {
  // TABLE_API, PATCH: 200 and the updated record's name-value pairs (sample trimmed).
  it('PATCH 200: delivered, updated, the sys_id kept', () => {
    const body = { result: { number: 'INC0000050', sys_id: SYS_ID, urgency: '1', correlation_id: 'T-1001' } };
    expect(judgeWrite(documentedAnswer(200, body), false)).toEqual({
      action: 'delivered',
      attempt: { status: 200, error: null, crmRecordId: SYS_ID, created: false },
    });
  });

  // TABLE_API, POST: 201 and the new record (sample's sys_id).
  it('POST 201: delivered, created', () => {
    const body = { result: { number: 'INC0010002', sys_id: 'c537bae64f411200adf9f8e18110c76e' } };
    expect(judgeWrite(documentedAnswer(201, body), true)).toMatchObject({
      action: 'delivered',
      attempt: { crmRecordId: 'c537bae64f411200adf9f8e18110c76e', created: true },
    });
  });

  it('a sys_id not of its form is not kept (the write still counts)', () => {
    const body = { result: { sys_id: '../sys_user/6816f79cc0a8016401c5a33be04be441' } };
    expect(judgeWrite(documentedAnswer(200, body), false)).toMatchObject({
      action: 'delivered',
      attempt: { crmRecordId: null },
    });
  });

  // CODES (403: "ACL failures, or business rule or data policy constraints"), ERROR_FORMAT, QUOTED.
  it('403 (an ACL): dead, keeping error.message and error.detail', () => {
    const body = failure('Operation Failed', 'ACL Exception Update Failed due to security constraints');
    expect(judgeWrite(documentedAnswer(403, body), false)).toEqual({
      action: 'dead',
      attempt: {
        status: 403,
        error: 'CRM answered 403: Operation Failed: ACL Exception Update Failed due to security constraints',
      },
    });
  });

  // TABLE_API (PATCH 404 "The requested item wasn't found"), CODES (404), QUOTED.
  it('404: dead, keeping the message', () => {
    const body = failure('No Record found', "Record doesn't exist or ACL restricts the record retrieval");
    expect(judgeWrite(documentedAnswer(404, body), false)).toMatchObject({
      action: 'dead',
      attempt: {
        error: "CRM answered 404: No Record found: Record doesn't exist or ACL restricts the record retrieval",
      },
    });
  });

  // ANALYTICS (400 for an invalid table) and ERROR_FORMAT (detail may be absent).
  it('400: dead; a null detail leaves the message alone', () => {
    expect(judgeWrite(documentedAnswer(400, failure('Invalid table incidnt', null)), true)).toMatchObject({
      action: 'dead',
      attempt: { status: 400, error: 'CRM answered 400: Invalid table incidnt' },
    });
  });

  // UNAUTHENTICATED: with OAuth the client already dropped the token and retried once; then a failure.
  it('401: retried (never dead: a rotated password or a revoked client is fixed without losing events)', () => {
    const body = failure('User Not Authenticated', 'Required to provide Auth information');
    expect(judgeWrite(documentedAnswer(401, body), true)).toEqual({
      action: 'retry',
      attempt: { status: 401, error: 'CRM answered 401: User Not Authenticated: Required to provide Auth information' },
      afterMs: undefined,
    });
  });

  // RATE_LIMITS: the documented 429 body and headers; Retry-After is in seconds.
  it('429: retried after Retry-After, keeping the rule that refused', () => {
    const body = failure('Rate limit exceeded', 'Rate limit of 10 requests per hour for Table API exceeded');
    const headers = {
      'retry-after': '1200',
      'x-ratelimit-limit': '10',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1200),
      'x-ratelimit-rule': '8b4ce4a4c3b12210a9e4f0c1d2e3f4a5',
    };
    expect(judgeWrite(documentedAnswer(429, body, headers), true)).toEqual({
      action: 'retry',
      attempt: {
        status: 429,
        error: 'CRM answered 429: Rate limit exceeded: Rate limit of 10 requests per hour for Table API exceeded',
      },
      afterMs: 1_200_000,
    });
  });

  // RATE_LIMITS: X-RateLimit-Reset is the Unix time of the next reset.
  it('429 without Retry-After waits until X-RateLimit-Reset; without either, backoff', () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    expect(rateLimitWait({ headers: { 'x-ratelimit-reset': String(now / 1000 + 90) } }, now)).toBe(90_000);
    expect(rateLimitWait({ headers: { 'x-ratelimit-reset': String(now / 1000 - 5) } }, now)).toBe(0);
    expect(rateLimitWait({ headers: { 'x-ratelimit-reset': 'soon' } }, now)).toBeUndefined();
    expect(rateLimitWait({ headers: {} }, now)).toBeUndefined();
  });

  // CODES: 5xx are the instance's trouble; a 503's Retry-After is honoured as a 429's.
  it('500 retried with backoff; 503 after its Retry-After', () => {
    expect(judgeWrite(documentedAnswer(500, 'Internal Server Error'), true)).toMatchObject({
      action: 'retry',
      afterMs: undefined,
    });
    expect(judgeWrite(documentedAnswer(503, '', { 'retry-after': '30' }), true)).toMatchObject({
      action: 'retry',
      afterMs: 30_000,
    });
  });

  it("an answer without ServiceNow's error object keeps its excerpt", () => {
    expect(errorOf(documentedAnswer(502, '<html>Bad Gateway</html>'))).toBe('<html>Bad Gateway</html>');
    expect(refusedAnswer(documentedAnswer(405, failure('Method not Supported', null)))).toMatchObject({
      action: 'dead',
      attempt: { error: 'CRM answered 405: Method not Supported' },
    });
  });
});

describe('ServiceNow lookups by the correlation field, as documented', () => {
  const lookup = (records: unknown) => documentedAnswer(200, { result: records });

  // TABLE_API, GET: "If a valid query returned no results, the response body contains only an empty result array."
  it('no record: create', () => {
    expect(foundRecord(lookup([]), INCIDENT)).toEqual({ existing: undefined });
  });

  it('one record: update it by its sys_id', () => {
    expect(foundRecord(lookup([{ sys_id: SYS_ID, correlation_id: 'T-1001' }]), INCIDENT)).toEqual({ existing: SYS_ID });
  });

  // GlideRecord queries are case-insensitive (GlideFilter page, "Case sensitivity"):
  // https://www.servicenow.com/docs/r/api-reference/server-api-reference/c_GlideFilterScopedAPI.html
  it('a record whose id differs only in case is the same record', () => {
    expect(foundRecord(lookup([{ sys_id: SYS_ID, correlation_id: 't-1001' }]), INCIDENT)).toEqual({ existing: SYS_ID });
  });

  it('two records: a dead letter naming both sys_ids, nothing written', () => {
    const records = [
      { sys_id: SYS_ID, correlation_id: 'T-1001' },
      { sys_id: OTHER_SYS_ID, correlation_id: 'T-1001' },
    ];
    expect(foundRecord(lookup(records), INCIDENT)).toEqual({
      verdict: {
        action: 'dead',
        attempt: {
          status: 200,
          error: `CRM answered 200: several incident records have correlation_id=T-1001 (sys_ids ${SYS_ID}, ${OTHER_SYS_ID}): merge them or make correlation_id unique`,
        },
      },
    });
  });

  // TABLE_API, sysparm_query: "if part of a query is invalid, such as an invalid field name, the
  // instance ignores the invalid part"; sysparm_fields: "Invalid fields are ignored".
  it('records without the id field (an unknown field was ignored): dead, never a write to them', () => {
    const upsert = claimedFor('incident', 'u_corelation', 'T-1001').upsert;
    expect(foundRecord(lookup([{ sys_id: SYS_ID }]), upsert)).toEqual({
      verdict: {
        action: 'dead',
        attempt: {
          status: 200,
          error:
            'CRM answered a lookup by u_corelation with a record whose u_corelation is absent: u_corelation is not a field of incident the integration user can read (ServiceNow ignores a query on an unknown field)',
        },
      },
    });
    expect(foundRecord(lookup([{ sys_id: SYS_ID, correlation_id: 'T-2002' }]), INCIDENT)).toMatchObject({
      verdict: { action: 'dead' },
    });
  });

  it('a sys_id not of its form, or no list: retried, nothing reaches a path', () => {
    for (const body of [
      { result: [{ sys_id: '../sys_user/6816f79cc0a8016401c5a33be04be441', correlation_id: 'T-1001' }] },
      { result: [null] },
      { result: { sys_id: SYS_ID } },
      { records: [] },
    ]) {
      expect(foundRecord(documentedAnswer(200, body), INCIDENT)).toMatchObject({ verdict: { action: 'retry' } });
    }
  });

  // ANALYTICS: a read the user's roles do not allow is answered 403; CODES: 404 for an ACL or no such resource.
  it('a refused lookup: 403 and 400 dead, 429 after its wait, another 2xx retried', () => {
    const forbidden = failure('Operation Failed', 'Requesting user has insufficient privileges');
    expect(foundRecord(documentedAnswer(403, forbidden), INCIDENT)).toMatchObject({
      verdict: { action: 'dead', attempt: { status: 403 } },
    });
    expect(foundRecord(documentedAnswer(400, failure('Invalid table incidnt', null)), INCIDENT)).toMatchObject({
      verdict: { action: 'dead' },
    });
    const limited = documentedAnswer(429, failure('Rate limit exceeded', 'x'), { 'retry-after': '5' });
    expect(foundRecord(limited, INCIDENT)).toMatchObject({ verdict: { action: 'retry', afterMs: 5000 } });
    expect(foundRecord(documentedAnswer(204), INCIDENT)).toMatchObject({ verdict: { action: 'retry' } });
  });
});
