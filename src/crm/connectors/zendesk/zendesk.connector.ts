import { Injectable } from '@nestjs/common';
import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { CrmClient, CrmResult } from '../../client/crm-client';
import { fieldOf, itemsOf, stringOf } from '../answer-shape';
import { Claimed, RecordConnector } from '../crm-connector';
import { CheckedMapping, MappingCheck, unanswered, whyUnanswered } from '../mapping-check';
import { EventVerdict, parseJson, verdictOf } from '../verdict';
import { both, errorOf, foundTicket, judgeZendeskAnswer } from './zendesk.answers';
import { ticketLookupRequest, ticketWriteRequest, userUpsertRequest } from './zendesk.requests';

/**
 * CRM_CONNECTOR=zendesk: users by `POST /api/v2/users/create_or_update` (external_id); tickets by
 * `GET /api/v2/tickets?external_id=` then `PUT /api/v2/tickets/<id>`, or `POST /api/v2/tickets`
 * with an Idempotency-Key when none has it. Each request made counts as an attempt.
 */
@Injectable()
export class ZendeskConnector extends RecordConnector {
  constructor(private readonly client: CrmClient) {
    super();
  }

  protected async send([event]: Array<Claimed<RecordUpsert>>): Promise<EventVerdict[]> {
    return [event.upsert.object === 'users' ? await this.upsertUser(event) : await this.upsertTicket(event)];
  }

  private async upsertUser(event: Claimed<RecordUpsert>): Promise<EventVerdict> {
    const result = await this.client.send(event.upsert.objectType, userUpsertRequest(event));
    return verdictOf(result, (answer) => judgeZendeskAnswer(answer, 'user'));
  }

  private async upsertTicket(event: Claimed<RecordUpsert>): Promise<EventVerdict> {
    const lookup = await this.client.send(event.upsert.objectType, ticketLookupRequest(event));
    if (lookup.kind !== 'response' || lookup.status !== 200)
      return verdictOf(lookup, (answer) => judgeZendeskAnswer(answer, 'ticket'));
    const found = foundTicket(lookup);
    if ('unreadable' in found) return verdictOf(lookup, () => found.unreadable);
    const write = await this.client.send(event.upsert.objectType, ticketWriteRequest(event, found.existing));
    return both(lookup, write, (answer) => judgeZendeskAnswer(answer, 'ticket'));
  }

  /**
   * A lookup by external_id (built into users and tickets); for users, the custom user fields the
   * mapping writes (`user_fields/<key>`) against the account's, which Zendesk otherwise ignores.
   */
  async check(mapping: CheckedMapping): Promise<MappingCheck> {
    const { object, idField } = mapping;
    const lookup = object === 'users' ? '/api/v2/users/search' : '/api/v2/tickets';
    const result = await this.read(object, `${lookup}?external_id=cognigy-crm-check`);
    if (result.kind !== 'response') return unanswered(mapping, result);
    if (result.status !== 200) {
      const detail = `${result.status}: ${errorOf(result)}`;
      return { object, idField, objectExists: false, idFieldExists: null, missingFields: [], detail };
    }
    const wanted = mapping.fields
      .filter((f) => f.startsWith('user_fields/'))
      .map((f) => f.slice('user_fields/'.length));
    const known = object === 'users' && wanted.length > 0 ? await this.userFieldKeys(object) : [];
    // Unread, the user fields count as not found: the check must not pass on what it could not see.
    if (typeof known === 'string') {
      const missingFields = wanted.map((key) => `user_fields/${key}`);
      return { object, idField, objectExists: true, idFieldExists: true, missingFields, detail: known };
    }
    const missingFields = wanted.filter((key) => !known.includes(key)).map((key) => `user_fields/${key}`);
    const detail = missingFields.length === 0 ? 'ok' : `no such user field: ${missingFields.join(', ')}`;
    return { object, idField, objectExists: true, idFieldExists: true, missingFields, detail };
  }

  /** The keys of every custom user field (`GET /api/v2/user_fields`, page after page), or why not. */
  private async userFieldKeys(object: string): Promise<string[] | string> {
    const keys: string[] = [];
    let path: string | null = '/api/v2/user_fields';
    while (path) {
      const page = await this.read(object, path);
      if (page.kind !== 'response') return `user fields: ${whyUnanswered(page)}`;
      if (page.status !== 200) return `user fields: ${page.status}: ${errorOf(page)}`;
      const body = parseJson(page.body);
      const fields = itemsOf(fieldOf(body, 'user_fields')) ?? [];
      keys.push(...fields.map((f) => stringOf(fieldOf(f, 'key'))).filter((key) => key !== undefined));
      path = pathOf(stringOf(fieldOf(body, 'next_page')));
    }
    return keys;
  }

  private read(object: string, path: string): Promise<CrmResult> {
    return this.client.send(object, { method: 'GET', path, headers: { Accept: 'application/json' } });
  }
}

/** `next_page` is an absolute URL on the account's host: the request goes to CRM_BASE_URL (none: the last page). */
const pathOf = (url: string | undefined): string | null => {
  if (!url || !URL.canParse(url)) return null;
  const { pathname, search } = new URL(url);
  return `${pathname}${search}`;
};
