import { Injectable } from '@nestjs/common';
import { ClaimedEvent } from '../../queue/stored-event';
import { CrmClient, CrmResult } from '../client/crm-client';
import { CrmRequest } from '../client/crm-request';
import {
  refusedVerdict,
  attemptsUsed,
  CrmAnswer,
  deliveredVerdict,
  EventVerdict,
  parseJson,
  Verdict,
  verdictOf,
} from '../delivery/verdict';
import { MappingCheck } from '../crm-check';
import { CrmConnector, idempotencyKey } from './crm-connector';

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };

const errorOf = (answer: CrmAnswer) => {
  const body = parseJson(answer.body) as { error?: unknown; description?: string; details?: unknown } | undefined;
  if (!body?.error) return answer.excerpt;
  const error = typeof body.error === 'string' ? body.error : JSON.stringify(body.error);
  const details = body.details ? ` ${JSON.stringify(body.details)}` : '';
  return `${error}: ${body.description ?? ''}${details}`.trim().slice(0, 300);
};

/**
 * CRM_CONNECTOR=zendesk: users by `POST /api/v2/users/create_or_update` (external_id); tickets by
 * `GET /api/v2/tickets?external_id=` then `PUT /api/v2/tickets/<id>`, or `POST /api/v2/tickets`
 * with an Idempotency-Key when none has it. Each request made counts as an attempt.
 */
@Injectable()
export class ZendeskConnector extends CrmConnector {
  readonly name = 'zendesk';
  readonly maxBatchSize = 1;

  constructor(private readonly client: CrmClient) {
    super();
  }

  async deliver([event]: ClaimedEvent[]): Promise<EventVerdict[]> {
    return [event.upsert.object === 'users' ? await this.upsertUser(event) : await this.upsertTicket(event)];
  }

  private async upsertUser({ upsert, requestId }: ClaimedEvent): Promise<EventVerdict> {
    const result = await this.client.send(upsert.objectType, {
      method: 'POST',
      path: '/api/v2/users/create_or_update',
      headers: { ...JSON_HEADERS, 'X-Request-Id': requestId },
      data: JSON.stringify({ user: { ...upsert.body, external_id: upsert.externalId } }),
    });
    return verdictOf(result, (answer) => judgeZendeskAnswer(answer, 'user'));
  }

  private async upsertTicket(event: ClaimedEvent): Promise<EventVerdict> {
    const { upsert, requestId } = event;
    const headers = { ...JSON_HEADERS, 'X-Request-Id': requestId };
    const lookup = await this.client.send(upsert.objectType, {
      method: 'GET',
      path: `/api/v2/tickets?external_id=${encodeURIComponent(upsert.externalId)}`,
      headers,
    });
    if (lookup.kind !== 'response' || lookup.status !== 200)
      return verdictOf(lookup, (answer) => judgeZendeskAnswer(answer, 'ticket'));
    const found = (parseJson(lookup.body) as { tickets?: Array<{ id: number }> } | undefined)?.tickets ?? [];
    // Several tickets may share an external id (Zendesk does not enforce it unique): the oldest is updated.
    const existing = found.map((t) => t.id).sort((a, b) => a - b)[0];
    const write: CrmRequest =
      existing === undefined
        ? {
            method: 'POST',
            path: '/api/v2/tickets',
            headers: { ...headers, 'Idempotency-Key': idempotencyKey(event) },
            data: JSON.stringify({ ticket: { ...upsert.body, external_id: upsert.externalId } }),
          }
        : {
            method: 'PUT',
            path: `/api/v2/tickets/${existing}`,
            headers,
            data: JSON.stringify({ ticket: upsert.body }),
          };
    return both(lookup, await this.client.send(upsert.objectType, write), (answer) =>
      judgeZendeskAnswer(answer, 'ticket'),
    );
  }

  async check(object: string, idField: string): Promise<MappingCheck> {
    const path =
      object === 'users'
        ? '/api/v2/users/search?external_id=cognigy-crm-check'
        : '/api/v2/tickets?external_id=cognigy-crm-check';
    const result = await this.client.send(object, { method: 'GET', path, headers: { Accept: 'application/json' } });
    if (result.kind !== 'response')
      return { object, idField, objectExists: false, idFieldExists: null, detail: `no answer (${result.kind})` };
    const ok = result.status === 200;
    return {
      object,
      idField,
      objectExists: ok,
      idFieldExists: ok ? true : null,
      detail: ok ? 'ok' : `${result.status}: ${errorOf(result)}`,
    };
  }
}

/** The lookup and the write were one delivery: both requests are attempts, the write's answer decides. */
function both(lookup: CrmResult, write: CrmResult, judge: (answer: CrmAnswer) => Verdict): EventVerdict {
  const second = verdictOf(write, judge);
  return {
    ...second,
    attempts: attemptsUsed(lookup) + second.attempts,
    requests: [...lookup.requests, ...write.requests],
  };
}

/** 200/201 delivered (201: created); 400/404/422 dead with Zendesk's error, description and details; 429 after Retry-After. */
export function judgeZendeskAnswer(answer: CrmAnswer, resource: 'user' | 'ticket'): Verdict {
  const { status } = answer;
  if (status === 200 || status === 201) {
    const record = (parseJson(answer.body) as Record<string, { id?: number }> | undefined)?.[resource];
    return deliveredVerdict(status, {
      crmRecordId: record?.id === undefined ? null : String(record.id),
      created: status === 201,
    });
  }
  const error = `CRM answered ${status}: ${errorOf(answer)}`;
  return refusedVerdict(answer, error);
}
