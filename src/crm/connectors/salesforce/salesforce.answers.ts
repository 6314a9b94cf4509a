import { booleanOf, fieldOf, isRecord, itemsOf, jsonText, recordIdOf, stringOf } from '../answer-shape';
import { CrmAnswer, deadVerdict, deliveredVerdict, parseJson, refusedVerdict, retryVerdict, Verdict } from '../verdict';

/** A Salesforce error as read from an answer: `errorCode` (or a collection's `statusCode`) and message. */
interface SalesforceError {
  code: string;
  message: string;
}

/** Record-level errors that clear up by themselves: the event is retried, not dead-lettered. */
const TRANSIENT_CODES = ['REQUEST_LIMIT_EXCEEDED', 'UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE'];

/** A Salesforce record id: 15 characters, or 18 with the case-safe suffix. */
const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** The readable errors of an `errors` array or error answer (`[{errorCode, message}]`); others skipped. */
function readErrors(value: unknown): SalesforceError[] {
  return (itemsOf(value) ?? []).filter(isRecord).map((e) => ({
    code: stringOf(e.errorCode) ?? stringOf(e.statusCode) ?? 'UNKNOWN',
    message: stringOf(e.message) ?? '',
  }));
}

export const describeErrors = (errors: SalesforceError[]) =>
  errors
    .map((e) => `${e.code}: ${e.message}`.trim())
    .join('; ')
    .slice(0, 300);

export const errorsOf = (answer: CrmAnswer): SalesforceError[] => readErrors(parseJson(answer.body));

/** What a success answer (or result) says of the record: its id when of Salesforce's form, and `created`. */
const factsOf = (result: unknown, created: boolean | null) => ({
  crmRecordId: recordIdOf(fieldOf(result, 'id'), SALESFORCE_ID),
  created,
});

/** The answer to one upsert (or a whole collection request that failed as such). */
export function judgeSalesforceAnswer(answer: CrmAnswer): Verdict {
  const { status } = answer;
  if (status === 200 || status === 201 || status === 204) {
    const body = parseJson(answer.body);
    const created = status === 201 ? true : (booleanOf(fieldOf(body, 'created')) ?? (status === 204 ? false : null));
    return deliveredVerdict(status, factsOf(body, created));
  }
  if (status === 300) {
    // Several records carry this external id: Salesforce lists their URLs, the operator must merge them.
    const urls = (itemsOf(parseJson(answer.body)) ?? []).filter((u): u is string => typeof u === 'string');
    const listed = urls.length > 0 ? urls.join(', ') : answer.excerpt;
    return deadVerdict(status, `CRM answered 300: several records match: ${listed}`.slice(0, 600));
  }
  const errors = errorsOf(answer);
  const described = `CRM answered ${status}: ${describeErrors(errors) || answer.excerpt}`;
  if (status === 403 && errors.some((e) => e.code === 'REQUEST_LIMIT_EXCEEDED')) return retryVerdict(status, described);
  return refusedVerdict(answer, described);
}

/** The results of a collection request's 200 answer, in request order (none when it is not an array). */
export const collectionResults = (answer: CrmAnswer): unknown[] => itemsOf(parseJson(answer.body)) ?? [];

/**
 * One record's result of a collection request: `success: true` delivers it, `success: false`
 * dead-letters it (retried when an error is transient); a record without a readable result
 * (missing, not an object, `success` not a boolean) is retried: nothing says it was applied.
 */
export function judgeRecordResult(result: unknown): Verdict {
  if (result === undefined) return retryVerdict(200, 'CRM answered 200 without a result for this record');
  const success = booleanOf(fieldOf(result, 'success'));
  if (success === null) {
    return retryVerdict(200, `CRM answered 200 with an unreadable result for this record: ${jsonText(result, 200)}`);
  }
  if (success) return deliveredVerdict(200, factsOf(result, booleanOf(fieldOf(result, 'created'))));
  const raw = fieldOf(result, 'errors');
  const errors = readErrors(raw);
  const described = `CRM answered 200, record failed: ${describeErrors(errors) || jsonText(raw ?? null, 200)}`;
  return errors.some((e) => TRANSIENT_CODES.includes(e.code))
    ? retryVerdict(200, described)
    : deadVerdict(200, described);
}
