import { booleanOf, fieldOf, itemsOf, NUMERIC_ID, recordIdOf, stringOf } from '../answer-shape';
import { CrmAnswer, deadVerdict, deliveredVerdict, parseJson, refusedVerdict, retryVerdict, Verdict } from '../verdict';

/**
 * Judging HubSpot's answers to `POST /crm/v3/objects/<object>/batch/upsert`, after
 * https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/upsert-contacts
 * and https://developers.hubspot.com/docs/api-reference/error-handling (multi-status errors).
 * Answers are read as unknown JSON (answer-shape.ts): a field of another shape than documented
 * counts as absent.
 */

/** A 200/207 answer as read: its results and errors, each still unknown. */
export interface BatchAnswer {
  results: unknown[];
  errors: unknown[];
}

/** Which input an answer entry is about: its trace id (the event id) and, as a fallback, its id property. */
export interface InputKey {
  traceId: string;
  idField: string;
  externalId: string;
}

const list = (value: unknown): unknown[] => itemsOf(value) ?? [];

/** HubSpot's `category: message`, or `fallback` when the error names no category. */
export function describeError(error: unknown, fallback: string): string {
  const category = stringOf(fieldOf(error, 'category'));
  if (!category) return fallback;
  return `${category}: ${stringOf(fieldOf(error, 'message')) ?? ''}`.trim().slice(0, 300);
}

/** A 200 or 207 answer's results and errors (none when the body is not of that shape). */
export function batchAnswerOf(answer: CrmAnswer): BatchAnswer {
  const body = parseJson(answer.body);
  return { results: list(fieldOf(body, 'results')), errors: list(fieldOf(body, 'errors')) };
}

/** The whole request failed: 400 dead (HubSpot's category and message), 429/503 after Retry-After, 401/5xx retried. */
export function judgeHubspotFailure(answer: CrmAnswer): Verdict {
  const error = `CRM answered ${answer.status}: ${describeError(parseJson(answer.body), answer.excerpt)}`;
  return refusedVerdict(answer, error);
}

/**
 * The result that is this input's: the one carrying its trace id; only a result without any trace
 * id is matched by the id property's value (an echo the spec does not promise: results come back
 * unordered and need not hold the property).
 */
function resultFor(results: unknown[], key: InputKey): unknown {
  const traced = results.find((r) => fieldOf(r, 'objectWriteTraceId') === key.traceId);
  if (traced !== undefined) return traced;
  return results.find(
    (r) =>
      fieldOf(r, 'objectWriteTraceId') === undefined &&
      fieldOf(fieldOf(r, 'properties'), key.idField) === key.externalId,
  );
}

/** The error that names this input: `context.objectWriteTraceId` holds its trace id, or (without one) `context.ids` its id. */
function errorFor(errors: unknown[], key: InputKey): unknown {
  return errors.find((e) => {
    const context = fieldOf(e, 'context');
    const traced = fieldOf(context, 'objectWriteTraceId');
    if (traced !== undefined) return list(traced).includes(key.traceId);
    return list(fieldOf(context, 'ids')).includes(key.externalId);
  });
}

/**
 * One input of a 200/207 answer: its own result delivers it (`new` tells created), its own error
 * dead-letters it keeping category and message, neither retries it.
 */
export function judgeInput(status: number, answer: BatchAnswer, key: InputKey): Verdict {
  const result = resultFor(answer.results, key);
  if (result !== undefined) {
    return deliveredVerdict(status, {
      crmRecordId: recordIdOf(fieldOf(result, 'id'), NUMERIC_ID),
      created: booleanOf(fieldOf(result, 'new')),
    });
  }
  const error = errorFor(answer.errors, key);
  if (error !== undefined) {
    return deadVerdict(status, `CRM answered ${status}, input failed: ${describeError(error, 'no detail')}`);
  }
  return retryVerdict(status, `CRM answered ${status} without a result or an error for this input`);
}
