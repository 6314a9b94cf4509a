import { documentedAnswer } from '../crm-answer.fixture';
import { foundTicket, judgeZendeskAnswer } from './zendesk.answers';

/*
 * Zendesk's documented answers, each sample citing its page. USERS: create or update user by
 * external_id (201 created, 200 updated): https://developer.zendesk.com/api-reference/ticketing/users/users/#create-or-update-user
 * TICKETS: list by external_id, create (201), update (200), 422 RecordInvalid with details, 404
 * RecordNotFound: https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/
 * RESPONSES: the error body {error, description, details} and the status codes (409 on a
 * database collision): https://developer.zendesk.com/api-reference/introduction/requests/
 * LIMITS: 429 with Retry-After: https://developer.zendesk.com/api-reference/introduction/rate-limits/
 * AUTH: 401 "Couldn't authenticate you": https://developer.zendesk.com/api-reference/introduction/security-and-auth/
 */

const user = (id: number) => ({ user: { id, external_id: 'C-1001', name: 'C-1001', user_fields: {} } });

describe('Zendesk writes, as documented', () => {
  // USERS: 201 Created when the user is new, 200 OK when it was updated.
  it('users create_or_update: 201 created, 200 updated, keeping the user id', () => {
    expect(judgeZendeskAnswer(documentedAnswer(201, user(35436)), 'user')).toEqual({
      action: 'delivered',
      attempt: { status: 201, error: null, crmRecordId: '35436', created: true },
    });
    expect(judgeZendeskAnswer(documentedAnswer(200, user(35436)), 'user')).toMatchObject({
      action: 'delivered',
      attempt: { crmRecordId: '35436', created: false },
    });
  });

  // TICKETS: create answers 201 with the ticket, update 200.
  it('tickets: 201 created, 200 updated', () => {
    const ticket = { ticket: { id: 35436, external_id: 'T-1', subject: 'router offline', priority: 'high' } };
    expect(judgeZendeskAnswer(documentedAnswer(201, ticket), 'ticket')).toMatchObject({
      action: 'delivered',
      attempt: { crmRecordId: '35436', created: true },
    });
    expect(judgeZendeskAnswer(documentedAnswer(200, ticket), 'ticket')).toMatchObject({ attempt: { created: false } });
  });

  // TICKETS: 422 RecordInvalid names each invalid field in details.
  it('422 RecordInvalid: dead, keeping error, description and details', () => {
    const body = {
      error: 'RecordInvalid',
      description: 'Record validation errors',
      details: { priority: [{ description: 'Priority: extreme is not valid', error: 'InvalidValue' }] },
    };
    expect(judgeZendeskAnswer(documentedAnswer(422, body), 'ticket')).toEqual({
      action: 'dead',
      attempt: {
        status: 422,
        error:
          'CRM answered 422: RecordInvalid: Record validation errors {"priority":[{"description":"Priority: extreme is not valid","error":"InvalidValue"}]}',
      },
    });
  });

  // TICKETS: 404 RecordNotFound for an update of a ticket that is gone.
  it('404 RecordNotFound: dead', () => {
    const body = { error: 'RecordNotFound', description: 'Not found' };
    expect(judgeZendeskAnswer(documentedAnswer(404, body), 'ticket')).toMatchObject({
      action: 'dead',
      attempt: { error: 'CRM answered 404: RecordNotFound: Not found' },
    });
  });

  // RESPONSES: 409 when two writes meet ("Database collision"): transient, retried with backoff.
  it('409 DatabaseConflict: retried with backoff, keeping the message', () => {
    const body = { error: 'DatabaseConflict', description: 'Database collision' };
    expect(judgeZendeskAnswer(documentedAnswer(409, body), 'user')).toEqual({
      action: 'retry',
      attempt: { status: 409, error: 'CRM answered 409: DatabaseConflict: Database collision' },
      afterMs: undefined,
    });
  });

  // LIMITS: 429 with Retry-After in seconds; 503 (maintenance) likewise honoured.
  it('429 and 503: retried after their Retry-After', () => {
    const limited = {
      error: 'APIRateLimitExceeded',
      description: 'Number of allowed API requests per minute exceeded',
    };
    expect(judgeZendeskAnswer(documentedAnswer(429, limited, { 'retry-after': '93' }), 'user')).toMatchObject({
      action: 'retry',
      afterMs: 93_000,
    });
    expect(
      judgeZendeskAnswer(documentedAnswer(503, 'Service Unavailable', { 'retry-after': '60' }), 'user'),
    ).toMatchObject({ action: 'retry', afterMs: 60_000 });
  });

  // AUTH: a refused API token, retried with backoff (no token to refresh).
  it("401 Couldn't authenticate you: retried", () => {
    expect(judgeZendeskAnswer(documentedAnswer(401, { error: "Couldn't authenticate you" }), 'user').action).toBe(
      'retry',
    );
  });
});

describe('Zendesk ticket lookup by external_id, as documented', () => {
  // TICKETS: GET /api/v2/tickets?external_id= lists every ticket carrying it (not unique): the oldest is updated.
  it('several tickets: the lowest id; none: a new one', () => {
    const listed = { tickets: [{ id: 90 }, { id: 35 }, { id: 61 }], next_page: null, previous_page: null, count: 3 };
    expect(foundTicket(documentedAnswer(200, listed))).toEqual({ existing: 35 });
    expect(foundTicket(documentedAnswer(200, { tickets: [], count: 0 }))).toEqual({ existing: undefined });
  });
});
