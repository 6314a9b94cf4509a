import { Injectable } from '@nestjs/common';
import { ClaimedEvent } from '../../queue/stored-event';
import { CrmClient } from '../client/crm-client';
import {
  refusedVerdict,
  attemptsUsed,
  CrmAnswer,
  deadVerdict,
  deliveredVerdict,
  EventVerdict,
  parseJson,
  retryVerdict,
  unansweredVerdict,
  Verdict,
} from '../delivery/verdict';
import { CheckedMapping, MappingCheck, unanswered } from '../crm-check';
import { CrmConnector } from './crm-connector';

interface HubspotResult {
  id?: string;
  new?: boolean;
  properties?: Record<string, unknown>;
}

interface HubspotError {
  category?: string;
  message?: string;
  context?: { ids?: string[] };
}

interface BatchAnswer {
  results?: HubspotResult[];
  errors?: HubspotError[];
}

const describe = (error: HubspotError | undefined, fallback: string) =>
  error?.category ? `${error.category}: ${error.message ?? ''}`.trim().slice(0, 300) : fallback;

/**
 * CRM_CONNECTOR=hubspot: every upsert, one or up to 100, is `POST /crm/v3/objects/<object>/batch/upsert`
 * with `idProperty` = the mapping's idField. An input's verdict comes from its own result (matched
 * by the id property's value) or its own error (`errors[].context.ids`); one with neither is retried.
 */
@Injectable()
export class HubspotConnector extends CrmConnector {
  readonly name = 'hubspot';
  readonly maxBatchSize = 100;

  constructor(private readonly client: CrmClient) {
    super();
  }

  async deliver(events: ClaimedEvent[]): Promise<EventVerdict[]> {
    const { objectType, object, idField } = events[0].upsert;
    const inputs = events.map(({ upsert }) => ({
      idProperty: idField,
      id: upsert.externalId,
      properties: upsert.body,
    }));
    const result = await this.client.send(objectType, {
      method: 'POST',
      path: `/crm/v3/objects/${object}/batch/upsert`,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Request-Id': events[0].requestId },
      data: JSON.stringify({ inputs }),
    });
    const shared = { attempts: attemptsUsed(result), requests: result.requests };
    if (result.kind !== 'response') return events.map(() => ({ verdict: unansweredVerdict(result), ...shared }));
    if (result.status !== 200 && result.status !== 207) {
      return events.map(() => ({ verdict: judgeHubspotFailure(result), ...shared }));
    }
    const answer = (parseJson(result.body) ?? {}) as BatchAnswer;
    return events.map(({ upsert }) => ({
      verdict: judgeInput(result.status, answer, idField as string, upsert.externalId),
      ...shared,
    }));
  }

  async check(mapping: CheckedMapping): Promise<MappingCheck> {
    const { object, idField } = mapping;
    const result = await this.client.send(object, {
      method: 'GET',
      path: `/crm/v3/properties/${object}/${encodeURIComponent(idField)}`,
      headers: { Accept: 'application/json' },
    });
    if (result.kind !== 'response') return unanswered(mapping, result);
    const body = parseJson(result.body) as { hasUniqueValue?: boolean; message?: string } | undefined;
    if (result.status === 200) {
      // batch/upsert refuses an idProperty without unique values: such a field cannot serve.
      const unique = body?.hasUniqueValue === true;
      const detail = unique ? 'ok' : `${idField} exists but is not a unique-value property`;
      return { object, idField, objectExists: true, idFieldExists: unique, missingFields: [], detail };
    }
    // 404 for an unknown property and for an unknown object alike: the message tells which.
    return {
      object,
      idField,
      objectExists: false,
      idFieldExists: false,
      missingFields: [],
      detail: `${result.status}: ${body?.message ?? result.excerpt}`,
    };
  }
}

/** The whole request failed: 400 dead (HubSpot's category and message), 429 after Retry-After, 401/5xx retried. */
function judgeHubspotFailure(answer: CrmAnswer): Verdict {
  const { status } = answer;
  const error = `CRM answered ${status}: ${describe(parseJson(answer.body) as HubspotError, answer.excerpt)}`;
  return refusedVerdict(answer, error);
}

function judgeInput(status: number, answer: BatchAnswer, idField: string, externalId: string): Verdict {
  const result = (answer.results ?? []).find((r) => r.properties?.[idField] === externalId);
  if (result) {
    return deliveredVerdict(status, {
      crmRecordId: result.id ?? null,
      created: typeof result.new === 'boolean' ? result.new : null,
    });
  }
  const error = (answer.errors ?? []).find((e) => (e.context?.ids ?? []).includes(externalId));
  if (error) return deadVerdict(status, `CRM answered ${status}, input failed: ${describe(error, 'no detail')}`);
  return retryVerdict(status, `CRM answered ${status} without a result or an error for this input`);
}
