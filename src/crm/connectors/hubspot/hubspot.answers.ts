import { CrmAnswer, deadVerdict, deliveredVerdict, parseJson, refusedVerdict, retryVerdict, Verdict } from '../verdict';

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

/** A batch/upsert answer (200 or 207). */
export interface BatchAnswer {
  results?: HubspotResult[];
  errors?: HubspotError[];
}

const describe = (error: HubspotError | undefined, fallback: string) =>
  error?.category ? `${error.category}: ${error.message ?? ''}`.trim().slice(0, 300) : fallback;

/** A 200 or 207 answer's body; the other statuses failed the whole request. */
export const batchAnswerOf = (answer: CrmAnswer): BatchAnswer => parseJson(answer.body) ?? {};

/** The whole request failed: 400 dead (HubSpot's category and message), 429 after Retry-After, 401/5xx retried. */
export function judgeHubspotFailure(answer: CrmAnswer): Verdict {
  const { status } = answer;
  const error = `CRM answered ${status}: ${describe(parseJson(answer.body) as HubspotError, answer.excerpt)}`;
  return refusedVerdict(answer, error);
}

/**
 * One input of a 200/207 answer: its own result (matched by the id property's value) delivers it,
 * its own error (`errors[].context.ids`) dead-letters it, neither retries it.
 */
export function judgeInput(status: number, answer: BatchAnswer, idField: string, externalId: string): Verdict {
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
