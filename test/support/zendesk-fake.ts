/*
 * A fake Zendesk Support account, after the vendor's documentation:
 * - Create or update user by external_id (201 created, 200 updated), external_id matched
 *   case-insensitively ("ian1" and "Ian1" are the same user; `users` is keyed by the first spelling):
 *   https://developer.zendesk.com/api-reference/ticketing/users/users/#create-or-update-user
 * - List tickets by external_id, create (201) and update (200) a ticket; 404 RecordNotFound, 422
 *   RecordInvalid with details: https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/
 * - Idempotency-Key on ticket creation (a repeated key with the same payload answers the first
 *   ticket with x-idempotency-lookup: hit; with another payload 400 IdempotentRequestError):
 *   https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#idempotency
 * - List the custom user fields (GET /api/v2/user_fields: {user_fields:[{id,key,type,title,active}],
 *   next_page, previous_page, count}; system fields are not listed):
 *   https://developer.zendesk.com/api-reference/ticketing/users/user_fields/#list-user-fields
 * - API token authentication as Basic `<email>/token:<api token>`; 401 "Couldn't authenticate you":
 *   https://developer.zendesk.com/api-reference/introduction/security-and-auth/
 * - Rate limits: 429 with Retry-After: https://developer.zendesk.com/api-reference/introduction/rate-limits/
 * - 409 {"error":"DatabaseConflict","description":"Database collision"} when two writes meet (injected
 *   by the tests, never answered by itself): https://developer.zendesk.com/api-reference/introduction/requests/
 *   and github.com/zendesk/zendesk_api_client_php/issues/314
 */
import { IncomingMessage } from 'node:http';
import { FakeCrm, Reply } from './fake-crm';

interface Ticket {
  id: number;
  external_id?: string;
  [field: string]: unknown;
}

export class ZendeskFake extends FakeCrm {
  readonly users = new Map<string, Record<string, unknown>>();
  readonly tickets: Ticket[] = [];
  private readonly idempotent = new Map<string, { payload: string; reply: Reply }>();
  private counter = 100;

  constructor(
    readonly user: string,
    readonly apiToken: string,
    /** The custom user fields an admin created, by key. */
    readonly userFields: string[] = ['cognigy_status', 'cognigy_last_interaction'],
  ) {
    super();
  }

  ticketsWith(externalId: string): Ticket[] {
    return this.tickets.filter((t) => t.external_id === externalId);
  }

  protected isTokenRequest(): boolean {
    return false;
  }

  protected token(): Reply {
    return { status: 404 };
  }

  protected route(req: IncomingMessage, body: unknown): Reply {
    const expected = `Basic ${Buffer.from(`${this.user}:${this.apiToken}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return { status: 401, body: { error: "Couldn't authenticate you" } };
    const [path, query] = (req.url ?? '').split('?');
    if (path === '/api/v2/users/create_or_update' && req.method === 'POST') return this.createOrUpdateUser(body);
    if (path === '/api/v2/users/search' && req.method === 'GET') return { status: 200, body: { users: [], count: 0 } };
    if (path === '/api/v2/user_fields' && req.method === 'GET') return this.listUserFields();
    if (path === '/api/v2/tickets' && req.method === 'GET') {
      const externalId = new URLSearchParams(query).get('external_id') ?? '';
      const tickets = this.ticketsWith(externalId);
      return { status: 200, body: { tickets, count: tickets.length, next_page: null, previous_page: null } };
    }
    if (path === '/api/v2/tickets' && req.method === 'POST') return this.createTicket(req, body);
    const update = /^\/api\/v2\/tickets\/(\d+)$/.exec(path);
    if (update && req.method === 'PUT') return this.updateTicket(Number(update[1]), body);
    return { status: 404, body: { error: 'InvalidEndpoint', description: 'Not found' } };
  }

  private listUserFields(): Reply {
    const user_fields = this.userFields.map((key, i) => ({
      id: 7000 + i,
      url: `${this.url}/api/v2/user_fields/${7000 + i}.json`,
      key,
      type: 'text',
      title: key,
      active: true,
      position: i,
    }));
    return { status: 200, body: { user_fields, next_page: null, previous_page: null, count: user_fields.length } };
  }

  private createOrUpdateUser(body: unknown): Reply {
    const user = (body as { user?: Record<string, unknown> })?.user;
    const externalId = user?.external_id;
    if (!user || typeof externalId !== 'string') {
      return {
        status: 400,
        body: { error: 'InvalidParams', description: 'user.external_id or user.email is required' },
      };
    }
    // external_id is matched case-insensitively ("ian1" and "Ian1" are the same user).
    const key = [...this.users.keys()].find((k) => k.toLowerCase() === externalId.toLowerCase()) ?? externalId;
    const existing = this.users.get(key);
    if (!existing && (typeof user.name !== 'string' || user.name === '')) {
      return invalid({ name: [{ description: 'Name:  is too short (minimum is 1 character)', error: 'TooShort' }] });
    }
    const record = existing ?? { id: ++this.counter };
    Object.assign(record, user, {
      user_fields: { ...(existing?.user_fields as object), ...(user.user_fields as object) },
    });
    this.users.set(key, record);
    return { status: existing ? 200 : 201, body: { user: record } };
  }

  private createTicket(req: IncomingMessage, body: unknown): Reply {
    const key = req.headers['idempotency-key'] as string | undefined;
    const payload = JSON.stringify(body);
    const seen = key ? this.idempotent.get(key) : undefined;
    if (seen) {
      if (seen.payload !== payload) {
        return {
          status: 400,
          body: {
            error: 'IdempotentRequestError',
            description: 'Request parameters do not match the original request',
          },
        };
      }
      return { ...seen.reply, headers: { ...seen.reply.headers, 'x-idempotency-lookup': 'hit' } };
    }
    const ticket = (body as { ticket?: Record<string, unknown> })?.ticket;
    const comment = ticket?.comment as { body?: string } | undefined;
    if (!ticket || !comment?.body)
      return invalid({ description: [{ description: 'Description: cannot be blank', error: 'BlankValue' }] });
    const refused = invalidPriority(ticket.priority);
    if (refused) return refused;
    const created: Ticket = { id: ++this.counter, ...ticket };
    this.tickets.push(created);
    const reply: Reply = { status: 201, body: { ticket: created }, headers: { 'x-idempotency-lookup': 'miss' } };
    if (key) this.idempotent.set(key, { payload, reply });
    return reply;
  }

  private updateTicket(id: number, body: unknown): Reply {
    const ticket = this.tickets.find((t) => t.id === id);
    if (!ticket) return { status: 404, body: { error: 'RecordNotFound', description: 'Not found' } };
    const changes = (body as { ticket?: Record<string, unknown> })?.ticket ?? {};
    const refused = invalidPriority(changes.priority);
    if (refused) return refused;
    Object.assign(ticket, changes);
    return { status: 200, body: { ticket } };
  }
}

function invalid(details: Record<string, unknown>): Reply {
  return { status: 422, body: { error: 'RecordInvalid', description: 'Record validation errors', details } };
}

function invalidPriority(priority: unknown): Reply | undefined {
  if (
    priority === undefined ||
    (typeof priority === 'string' && ['urgent', 'high', 'normal', 'low'].includes(priority))
  )
    return undefined;
  return invalid({
    priority: [
      { description: `Priority: ${JSON.stringify(priority).replace(/"/g, '')} is not valid`, error: 'InvalidValue' },
    ],
  });
}
