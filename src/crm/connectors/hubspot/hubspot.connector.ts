import { Injectable } from '@nestjs/common';
import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { CrmClient, CrmResult } from '../../client/crm-client';
import { Claimed, RecordConnector } from '../crm-connector';
import { CheckedMapping, MappingCheck, unanswered } from '../mapping-check';
import { attemptsUsed, CrmAnswer, EventVerdict, parseJson, retryVerdict, unansweredVerdict } from '../verdict';
import { batchAnswerOf, describeError, judgeHubspotFailure, judgeInput } from './hubspot.answers';
import { batchUpsertRequest, traceIdOf } from './hubspot.requests';

type HubspotEvent = Claimed<RecordUpsert>;

/**
 * CRM_CONNECTOR=hubspot: every upsert, one or a batch, is `POST /crm/v3/objects/<object>/batch/upsert`
 * with `idProperty` = the mapping's idField and `objectWriteTraceId` = the event id. An input's
 * verdict comes from its own result or its own error (both found by the trace id); one with
 * neither is retried. A batch of several inputs answered 400 as a whole (HubSpot names no input)
 * is resent one input per request, so only the bad input dead-letters.
 */
@Injectable()
export class HubspotConnector extends RecordConnector {
  constructor(private readonly client: CrmClient) {
    super();
  }

  protected async send(events: HubspotEvent[]): Promise<EventVerdict[]> {
    const result = await this.upsert(events);
    if (events.length > 1 && result.kind === 'response' && result.status === 400) {
      return this.resendAlone(events, result);
    }
    return judgeBatch(events, result);
  }

  private upsert(events: HubspotEvent[]): Promise<CrmResult> {
    return this.client.send(events[0].upsert.objectType, batchUpsertRequest(events));
  }

  /**
   * Each input of a batch refused as a whole goes again in a request of its own, one after the
   * other (one request in flight, as for the batch). Its history: the batch's request, saying it
   * was refused and the input resent, then its own; both count as attempts.
   */
  private async resendAlone(events: HubspotEvent[], batch: CrmAnswer): Promise<EventVerdict[]> {
    const why = `CRM answered 400 to a batch of ${events.length} inputs (${describeError(parseJson(batch.body), batch.excerpt)}): each input resent alone`;
    const batchRequests = batch.requests.map((r, i, all) => (i === all.length - 1 ? { ...r, error: why } : r));
    const verdicts: EventVerdict[] = [];
    for (const event of events) {
      const [alone] = judgeBatch([event], await this.upsert([event]));
      // Not resent (the breaker opened meanwhile): the batch's attempt still counts, retried.
      const verdict =
        alone.verdict.action === 'release'
          ? retryVerdict(400, `${why}; not resent: the breaker is open`)
          : alone.verdict;
      const attempts = attemptsUsed(batch) + alone.attempts;
      verdicts.push({ verdict, attempts, requests: [...batchRequests, ...alone.requests] });
    }
    return verdicts;
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

/** One request's verdicts: unanswered or refused as a whole, the same for each input; else each input by its own result or error. */
function judgeBatch(events: HubspotEvent[], result: CrmResult): EventVerdict[] {
  const shared = { attempts: attemptsUsed(result), requests: result.requests };
  if (result.kind !== 'response') return events.map(() => ({ verdict: unansweredVerdict(result), ...shared }));
  if (result.status !== 200 && result.status !== 207) {
    return events.map(() => ({ verdict: judgeHubspotFailure(result), ...shared }));
  }
  const answer = batchAnswerOf(result);
  return events.map((event) => {
    const { idField, externalId } = event.upsert;
    return {
      verdict: judgeInput(result.status, answer, { traceId: traceIdOf(event), idField, externalId }),
      ...shared,
    };
  });
}
