import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { crmConfig } from '../../config/crm.config';
import { ClaimedEvent } from '../../queue/stored-event';
import { CrmClient } from '../client/crm-client';
import { CrmRequest } from '../client/crm-request';
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
  verdictOf,
} from '../delivery/verdict';
import { CheckedMapping, MappingCheck, unanswered } from '../crm-check';
import { CrmConnector } from './crm-connector';

interface SalesforceError {
  errorCode?: string;
  statusCode?: string;
  message?: string;
}

interface UpsertResult {
  id?: string;
  success?: boolean;
  created?: boolean;
  errors?: SalesforceError[];
}

/** Record-level errors that clear up by themselves: the event is retried, not dead-lettered. */
const TRANSIENT_CODES = ['REQUEST_LIMIT_EXCEEDED', 'UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE'];

const codeOf = (error: SalesforceError) => error.errorCode ?? error.statusCode ?? 'UNKNOWN';
const describeErrors = (errors: SalesforceError[]) =>
  errors
    .map((e) => `${codeOf(e)}: ${e.message ?? ''}`.trim())
    .join('; ')
    .slice(0, 300);
const errorsOf = (answer: CrmAnswer): SalesforceError[] => {
  const body = parseJson(answer.body);
  return Array.isArray(body) ? (body as SalesforceError[]) : [];
};

/**
 * CRM_CONNECTOR=salesforce: upsert by external id, `PATCH sobjects/<object>/<idField>/<id>`, or up
 * to 200 records per `PATCH composite/sobjects/<object>/<idField>` (sObject collections,
 * allOrNone false, one result per record in request order). The API base is the token answer's
 * instance_url.
 */
@Injectable()
export class SalesforceConnector extends CrmConnector {
  readonly name = 'salesforce';
  readonly maxBatchSize = 200;

  constructor(
    @Inject(crmConfig.KEY) private readonly config: ConfigType<typeof crmConfig>,
    private readonly client: CrmClient,
  ) {
    super();
  }

  private get api(): string {
    return `/services/data/v${this.config.salesforceApiVersion}`;
  }

  async deliver(events: ClaimedEvent[]): Promise<EventVerdict[]> {
    return events.length === 1 ? [await this.upsertOne(events[0])] : this.upsertMany(events);
  }

  private async upsertOne({ upsert, requestId }: ClaimedEvent): Promise<EventVerdict> {
    const { object, idField, externalId, body } = upsert;
    const result = await this.client.send(upsert.objectType, {
      method: 'PATCH',
      path: `${this.api}/sobjects/${object}/${idField}/${encodeURIComponent(externalId)}`,
      headers: jsonHeaders(requestId),
      data: JSON.stringify(body),
    });
    return verdictOf(result, judgeSalesforceAnswer);
  }

  private async upsertMany(events: ClaimedEvent[]): Promise<EventVerdict[]> {
    const { objectType, object, idField } = events[0].upsert;
    const records = events.map(({ upsert }) => ({
      attributes: { type: object },
      ...upsert.body,
      [idField as string]: upsert.externalId,
    }));
    const request: CrmRequest = {
      method: 'PATCH',
      path: `${this.api}/composite/sobjects/${object}/${idField}`,
      headers: jsonHeaders(events[0].requestId),
      data: JSON.stringify({ allOrNone: false, records }),
    };
    const result = await this.client.send(objectType, request);
    // One request: one attempt for every event it carried, and the same request in each history.
    const shared = { attempts: attemptsUsed(result), requests: result.requests };
    if (result.kind !== 'response') return events.map(() => ({ verdict: unansweredVerdict(result), ...shared }));
    if (result.status !== 200) return events.map(() => ({ verdict: judgeSalesforceAnswer(result), ...shared }));
    const results = parseJson(result.body);
    const list = Array.isArray(results) ? (results as UpsertResult[]) : [];
    return events.map((_, i) => ({ verdict: judgeRecordResult(list[i]), ...shared }));
  }

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
    const fields = (parseJson(result.body) as { fields?: { name: string; externalId?: boolean }[] })?.fields ?? [];
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

const jsonHeaders = (requestId: string) => ({
  'Content-Type': 'application/json',
  Accept: 'application/json',
  'X-Request-Id': requestId,
});

/** The answer to one upsert (or a whole collection request that failed as such). */
export function judgeSalesforceAnswer(answer: CrmAnswer): Verdict {
  const { status } = answer;
  if (status === 200 || status === 201 || status === 204) {
    const body = parseJson(answer.body) as UpsertResult | undefined;
    const created =
      status === 201 ? true : typeof body?.created === 'boolean' ? body.created : status === 204 ? false : null;
    return deliveredVerdict(status, { crmRecordId: typeof body?.id === 'string' ? body.id : null, created });
  }
  if (status === 300) {
    // Several records carry this external id: Salesforce lists their URLs, the operator must merge them.
    const matches = parseJson(answer.body);
    const urls = Array.isArray(matches) ? matches.join(', ') : answer.excerpt;
    return deadVerdict(status, `CRM answered 300: several records match: ${urls}`.slice(0, 600));
  }
  const errors = errorsOf(answer);
  const described = `CRM answered ${status}: ${describeErrors(errors) || answer.excerpt}`;
  if (status === 403 && errors.some((e) => codeOf(e) === 'REQUEST_LIMIT_EXCEEDED'))
    return retryVerdict(status, described);
  return refusedVerdict(answer, described);
}

/** One record's UpsertResult of a collection request; a record without one is retried. */
function judgeRecordResult(result: UpsertResult | undefined): Verdict {
  if (!result) return retryVerdict(200, 'CRM answered 200 without a result for this record');
  if (result.success) {
    return deliveredVerdict(200, {
      crmRecordId: result.id ?? null,
      created: typeof result.created === 'boolean' ? result.created : null,
    });
  }
  const errors = result.errors ?? [];
  const described = `CRM answered 200, record failed: ${describeErrors(errors)}`;
  return errors.some((e) => TRANSIENT_CODES.includes(codeOf(e)))
    ? retryVerdict(200, described)
    : deadVerdict(200, described);
}
