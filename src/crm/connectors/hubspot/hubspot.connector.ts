import { Injectable } from '@nestjs/common';
import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { CrmClient } from '../../client/crm-client';
import { Claimed, RecordConnector } from '../crm-connector';
import { CheckedMapping, MappingCheck, unanswered } from '../mapping-check';
import { attemptsUsed, EventVerdict, parseJson, unansweredVerdict } from '../verdict';
import { batchAnswerOf, judgeHubspotFailure, judgeInput } from './hubspot.answers';
import { batchUpsertRequest } from './hubspot.requests';

/**
 * CRM_CONNECTOR=hubspot: every upsert, one or a batch, is `POST /crm/v3/objects/<object>/batch/upsert`
 * with `idProperty` = the mapping's idField. An input's verdict comes from its own result (matched
 * by the id property's value) or its own error (`errors[].context.ids`); one with neither is retried.
 */
@Injectable()
export class HubspotConnector extends RecordConnector {
  constructor(private readonly client: CrmClient) {
    super();
  }

  protected async send(events: Array<Claimed<RecordUpsert>>): Promise<EventVerdict[]> {
    const { objectType, idField } = events[0].upsert;
    const result = await this.client.send(objectType, batchUpsertRequest(events));
    const shared = { attempts: attemptsUsed(result), requests: result.requests };
    if (result.kind !== 'response') return events.map(() => ({ verdict: unansweredVerdict(result), ...shared }));
    if (result.status !== 200 && result.status !== 207) {
      return events.map(() => ({ verdict: judgeHubspotFailure(result), ...shared }));
    }
    const answer = batchAnswerOf(result);
    return events.map(({ upsert }) => ({
      verdict: judgeInput(result.status, answer, idField, upsert.externalId),
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
