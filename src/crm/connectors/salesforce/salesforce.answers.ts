import { CrmAnswer, deadVerdict, deliveredVerdict, parseJson, refusedVerdict, retryVerdict, Verdict } from '../verdict';

interface SalesforceError {
  errorCode?: string;
  statusCode?: string;
  message?: string;
}

/** One record's result: the answer to a single upsert, or one element of a collection's answer. */
export interface UpsertResult {
  id?: string;
  success?: boolean;
  created?: boolean;
  errors?: SalesforceError[];
}

/** Record-level errors that clear up by themselves: the event is retried, not dead-lettered. */
const TRANSIENT_CODES = ['REQUEST_LIMIT_EXCEEDED', 'UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE'];

const codeOf = (error: SalesforceError) => error.errorCode ?? error.statusCode ?? 'UNKNOWN';
export const describeErrors = (errors: SalesforceError[]) =>
  errors
    .map((e) => `${codeOf(e)}: ${e.message ?? ''}`.trim())
    .join('; ')
    .slice(0, 300);
export const errorsOf = (answer: CrmAnswer): SalesforceError[] => {
  const body = parseJson(answer.body);
  return Array.isArray(body) ? (body as SalesforceError[]) : [];
};

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

/** The results of a collection request's 200 answer, in request order (missing ones undefined). */
export function collectionResults(answer: CrmAnswer): Array<UpsertResult | undefined> {
  const results = parseJson(answer.body);
  return Array.isArray(results) ? (results as UpsertResult[]) : [];
}

/** One record's UpsertResult of a collection request; a record without one is retried. */
export function judgeRecordResult(result: UpsertResult | undefined): Verdict {
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
