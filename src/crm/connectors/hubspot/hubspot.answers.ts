import { booleanOf, fieldOf, itemsOf, NUMERIC_ID, recordIdOf, stringOf } from '../answer-shape';
import { CrmAnswer, deadVerdict, deliveredVerdict, parseJson, refusedVerdict, retryVerdict, Verdict } from '../verdict';

/** A batch/upsert answer (200 or 207) as read: its results and errors, each entry still unknown. */
export interface BatchAnswer {
  results: unknown[];
  errors: unknown[];
}

/** HubSpot's `category: message`, or `fallback` when the error names no category. */
const describe = (error: unknown, fallback: string) => {
  const category = stringOf(fieldOf(error, 'category'));
  const message = stringOf(fieldOf(error, 'message')) ?? '';
  return category ? `${category}: ${message}`.trim().slice(0, 300) : fallback;
};

/** A 200 or 207 answer's body; the other statuses failed the whole request. */
export function batchAnswerOf(answer: CrmAnswer): BatchAnswer {
  const body = parseJson(answer.body);
  return { results: itemsOf(fieldOf(body, 'results')) ?? [], errors: itemsOf(fieldOf(body, 'errors')) ?? [] };
}

/** The whole request failed: 400 dead (HubSpot's category and message), 429 after Retry-After, 401/5xx retried. */
export function judgeHubspotFailure(answer: CrmAnswer): Verdict {
  const { status } = answer;
  const error = `CRM answered ${status}: ${describe(parseJson(answer.body), answer.excerpt)}`;
  return refusedVerdict(answer, error);
}

/**
 * One input of a 200/207 answer: its own result (matched by the id property's value) delivers it,
 * its own error (`errors[].context.ids`) dead-letters it, neither retries it.
 */
export function judgeInput(status: number, answer: BatchAnswer, idField: string, externalId: string): Verdict {
  const result = answer.results.find((r) => fieldOf(fieldOf(r, 'properties'), idField) === externalId);
  if (result) {
    return deliveredVerdict(status, {
      crmRecordId: recordIdOf(fieldOf(result, 'id'), NUMERIC_ID),
      created: booleanOf(fieldOf(result, 'new')),
    });
  }
  const error = answer.errors.find((e) => (itemsOf(fieldOf(fieldOf(e, 'context'), 'ids')) ?? []).includes(externalId));
  if (error) return deadVerdict(status, `CRM answered ${status}, input failed: ${describe(error, 'no detail')}`);
  return retryVerdict(status, `CRM answered ${status} without a result or an error for this input`);
}
