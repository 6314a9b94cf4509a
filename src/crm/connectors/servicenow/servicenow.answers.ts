import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { fieldOf, isRecord, itemsOf, jsonText, recordIdOf, stringOf } from '../answer-shape';
import {
  CrmAnswer,
  deadVerdict,
  deliveredVerdict,
  parseJson,
  refusedVerdict,
  retryAfterMs,
  retryVerdict,
  Verdict,
} from '../verdict';
import { SYS_ID } from './servicenow.requests';

/*
 * How ServiceNow answers, from its pages:
 * - Table API, status codes per method (GET 200, PATCH 200/400/404, POST 201/400/404):
 *   https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html
 * - REST API HTTP response codes (401; 403 "ACL failures, or business rule or data policy
 *   constraints"; 404 "an ACL constraint or the resource does not exist"):
 *   https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/r_RESTAPIHTTPResponseCodes.html
 * - The error body, {"error":{"message","detail"},"status":"failure"}, the status in the header:
 *   https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/c_CustomWebServices.html
 * - Rate limit rules: 429 with Retry-After (seconds), X-RateLimit-Limit, X-RateLimit-Reset (Unix
 *   time of the reset), X-RateLimit-Rule:
 *   https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/inbound-REST-API-rate-limiting.html
 */

/** ServiceNow's `error.message: error.detail`, or the answer's excerpt when it has neither. */
export function errorOf(answer: CrmAnswer): string {
  const error = fieldOf(parseJson(answer.body), 'error');
  const said = [stringOf(fieldOf(error, 'message')), stringOf(fieldOf(error, 'detail'))].filter((part) => !!part);
  return said.length > 0 ? said.join(': ').slice(0, 300) : answer.excerpt;
}

/**
 * How long a 429 asks to wait: its Retry-After (seconds), else until X-RateLimit-Reset (the rule's
 * reset, Unix time); undefined (backoff) when neither is usable.
 */
export function rateLimitWait({ headers }: Pick<CrmAnswer, 'headers'>, now: number): number | undefined {
  const asked = retryAfterMs(headers['retry-after'], now);
  if (asked !== undefined) return asked;
  const reset = headers['x-ratelimit-reset']?.trim();
  return reset && /^\d{1,12}$/.test(reset) ? Math.max(0, Number(reset) * 1000 - now) : undefined;
}

/**
 * Any answer but a usable 2xx: 429 after its wait, not a breaker failure; 400, 403 (ACL) and 404
 * dead, keeping ServiceNow's message and detail; 401 (with OAuth the client already refreshed the
 * token once), 408 and 5xx retried; 503 after its Retry-After.
 */
export function refusedAnswer(answer: CrmAnswer): Verdict {
  const error = `CRM answered ${answer.status}: ${errorOf(answer)}`;
  if (answer.status === 429) return retryVerdict(429, error, rateLimitWait(answer, Date.now()));
  if (answer.status >= 200 && answer.status < 300) return retryVerdict(answer.status, `${error} (not a usable answer)`);
  return refusedVerdict(answer, error);
}

/**
 * The answer to a write: 201 (POST: created) or 200 (PATCH: updated) delivered, with the record's
 * sys_id when the answer gives it in its form; anything else as `refusedAnswer` says.
 */
export function judgeWrite(answer: CrmAnswer, created: boolean): Verdict {
  if (answer.status !== 200 && answer.status !== 201) return refusedAnswer(answer);
  const record = fieldOf(parseJson(answer.body), 'result');
  return deliveredVerdict(answer.status, { crmRecordId: recordIdOf(fieldOf(record, 'sys_id'), SYS_ID), created });
}

/** What the lookup found: the record to update, none (create it), or a verdict that ends the attempt. */
export type Found = { existing: string | undefined } | { verdict: Verdict };

/** The same value as ServiceNow compares it: its queries match strings case-insensitively. */
const sameId = (value: string, externalId: string) => value.toLowerCase() === externalId.toLowerCase();

/**
 * The lookup's answer read as records `{sys_id, <idField>}`:
 * - none: create; one: update it; two: several records hold the id, a dead letter naming them
 *   (an operator merges them, or makes the field unique);
 * - a record whose id field is absent or another value: ServiceNow ignores a condition on a field
 *   it does not know and answers rows regardless ("if part of a query is invalid, such as an invalid
 *   field name, the instance ignores the invalid part", Table API page), so the id field is no
 *   field of the table the user can read: a dead letter, never a write to an unrelated record;
 * - a result that is not a list of records with sys_ids of their form: retried, nothing reaches a path.
 */
export function foundRecord(lookup: CrmAnswer, { object, idField, externalId }: RecordUpsert): Found {
  if (lookup.status !== 200) return { verdict: refusedAnswer(lookup) };
  const records = itemsOf(fieldOf(parseJson(lookup.body), 'result'));
  const ids = (records ?? []).map((record) => recordIdOf(fieldOf(record, 'sys_id'), SYS_ID));
  if (records === undefined || !records.every(isRecord) || ids.includes(null)) {
    const why = `CRM answered 200: lookup unreadable (no list of records with sys_ids): ${lookup.excerpt}`;
    return { verdict: retryVerdict(200, why.slice(0, 300)) };
  }
  const other = records.find((record) => {
    const value = stringOf(fieldOf(record, idField));
    return value === undefined || !sameId(value, externalId);
  });
  if (other !== undefined) {
    const value = fieldOf(other, idField);
    const shown =
      value === undefined ? 'absent' : typeof value === 'string' ? JSON.stringify(value) : jsonText(value, 100);
    const why = `CRM answered a lookup by ${idField} with a record whose ${idField} is ${shown}: ${idField} is not a field of ${object} the integration user can read (ServiceNow ignores a query on an unknown field)`;
    return { verdict: deadVerdict(200, why.slice(0, 600)) };
  }
  if (records.length > 1) {
    const why = `CRM answered 200: several ${object} records have ${idField}=${externalId} (sys_ids ${ids.join(', ')}): merge them or make ${idField} unique`;
    return { verdict: deadVerdict(200, why.slice(0, 600)) };
  }
  return { existing: ids[0] ?? undefined };
}
