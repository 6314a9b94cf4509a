import { Injectable } from '@nestjs/common';
import { CrmConfig } from '../../../config/crm.config';
import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { CrmClient } from '../../client/crm-client';
import { settingsOf } from '../connector-definition';
import { fieldOf, isRecord, itemsOf } from '../answer-shape';
import { Claimed, RecordConnector } from '../crm-connector';
import { CheckedMapping, MappingCheck, unanswered } from '../mapping-check';
import { attemptsUsed, EventVerdict, parseJson, unansweredVerdict, verdictOf } from '../verdict';
import {
  collectionResults,
  describeErrors,
  errorsOf,
  judgeRecordResult,
  judgeSalesforceAnswer,
} from './salesforce.answers';
import { idGoesInBody, upsertManyRequest, upsertOneRequest } from './salesforce.requests';
import { SalesforceSettings } from './salesforce.settings';

/**
 * CRM_CONNECTOR=salesforce: upsert by external id, `PATCH sobjects/<object>/<idField>/<id>`, or a
 * batch per `PATCH composite/sobjects/<object>/<idField>` (sObject collections,
 * allOrNone false, one result per record in request order). The API base is the token answer's
 * instance_url.
 */
@Injectable()
export class SalesforceConnector extends RecordConnector {
  private readonly api: string;

  constructor(
    private readonly client: CrmClient,
    config: CrmConfig,
  ) {
    super();
    this.api = `/services/data/v${settingsOf(config, SalesforceSettings).SALESFORCE_API_VERSION}`;
  }

  /** A lone event goes as a single upsert, unless its id may not be in a URL: then as a collection of one. */
  protected async send(events: Array<Claimed<RecordUpsert>>): Promise<EventVerdict[]> {
    const single = events.length === 1 && !idGoesInBody(events[0]);
    return single ? [await this.upsertOne(events[0])] : this.upsertMany(events);
  }

  private async upsertOne(event: Claimed<RecordUpsert>): Promise<EventVerdict> {
    const result = await this.client.send(event.upsert.objectType, upsertOneRequest(this.api, event));
    return verdictOf(result, judgeSalesforceAnswer);
  }

  private async upsertMany(events: Array<Claimed<RecordUpsert>>): Promise<EventVerdict[]> {
    const result = await this.client.send(events[0].upsert.objectType, upsertManyRequest(this.api, events));
    // One request: one attempt for every event it carried, and the same request in each history.
    const shared = { attempts: attemptsUsed(result), requests: result.requests };
    if (result.kind !== 'response') return events.map(() => ({ verdict: unansweredVerdict(result), ...shared }));
    if (result.status !== 200) return events.map(() => ({ verdict: judgeSalesforceAnswer(result), ...shared }));
    const results = collectionResults(result);
    return events.map((_, i) => ({ verdict: judgeRecordResult(results[i]), ...shared }));
  }

  /** One describe of the object: the id field must be an External ID, and the written fields must exist. */
  async check(mapping: CheckedMapping): Promise<MappingCheck> {
    const { object, idField } = mapping;
    const result = await this.client.send(object, {
      method: 'GET',
      path: `${this.api}/sobjects/${object}/describe`,
      headers: { Accept: 'application/json' },
    });
    if (result.kind !== 'response') return unanswered(mapping, result);
    if (result.status !== 200) {
      const detail = `describe answered ${result.status}: ${describeErrors(errorsOf(result)) || result.excerpt}`;
      return { object, idField, objectExists: false, idFieldExists: null, missingFields: [], detail };
    }
    const fields = (itemsOf(fieldOf(parseJson(result.body), 'fields')) ?? []).filter(isRecord);
    const field = fields.find((f) => f.name === idField);
    const missingFields = mapping.fields.filter((name) => !fields.some((f) => f.name === name));
    const detail = !field
      ? `${idField} is not a field of ${object}`
      : !field.externalId
        ? `${idField} is not marked External ID`
        : missingFields.length > 0
          ? `not fields of ${object}: ${missingFields.join(', ')}`
          : 'ok';
    // An upsert by a field that is not an External ID answers 404: such a field cannot serve.
    return { object, idField, objectExists: true, idFieldExists: field?.externalId === true, missingFields, detail };
  }
}
