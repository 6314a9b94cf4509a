import { CrmResult } from '../../client/crm-client';
import {
  attemptsUsed,
  CrmAnswer,
  deliveredVerdict,
  EventVerdict,
  parseJson,
  refusedVerdict,
  retryVerdict,
  Verdict,
  verdictOf,
} from '../verdict';
import { fieldOf, itemsOf, jsonText, NUMERIC_ID, recordIdOf, stringOf } from '../answer-shape';

/** Zendesk's error, description and details, or the answer's excerpt. */
export const errorOf = (answer: CrmAnswer) => {
  const body = parseJson(answer.body);
  const error = fieldOf(body, 'error');
  if (!error) return answer.excerpt;
  const description = stringOf(fieldOf(body, 'description'));
  const details = fieldOf(body, 'details');
  const parts = [jsonText(error), description ? `: ${description}` : '', details ? ` ${jsonText(details)}` : ''];
  return parts.join('').slice(0, 300);
};

/**
 * What a lookup by external_id found: the ticket to update (several may share one: Zendesk does
 * not enforce it unique, the oldest wins), none, or a retry when the list cannot be read. Every
 * id must be a ticket number before one goes into a path: `"../users/7"` is not a ticket.
 */
export function foundTicket(lookup: CrmAnswer): { existing: number | undefined } | { unreadable: Verdict } {
  const tickets = itemsOf(fieldOf(parseJson(lookup.body), 'tickets'));
  const ids = (tickets ?? []).map((ticket) => recordIdOf(fieldOf(ticket, 'id'), NUMERIC_ID));
  if (tickets === undefined || ids.includes(null)) {
    const why = `CRM answered ${lookup.status}: ticket lookup unreadable: ${lookup.excerpt}`.slice(0, 300);
    return { unreadable: retryVerdict(lookup.status, why) };
  }
  const numbers = ids.map(Number).filter(Number.isSafeInteger);
  return { existing: numbers.length === 0 ? undefined : Math.min(...numbers) };
}

/** The lookup and the write were one delivery: both requests are attempts, the write's answer decides. */
export function both(lookup: CrmResult, write: CrmResult, judge: (answer: CrmAnswer) => Verdict): EventVerdict {
  const second = verdictOf(write, judge);
  return {
    ...second,
    attempts: attemptsUsed(lookup) + second.attempts,
    requests: [...lookup.requests, ...write.requests],
  };
}

/**
 * 200/201 delivered (201: created); 409 (`DatabaseConflict`, "Database collision": two writes met,
 * transient) retried with backoff, not a breaker failure; 400/404/422 dead with Zendesk's error,
 * description and details; 429 and 503 after Retry-After.
 * https://developer.zendesk.com/api-reference/introduction/requests/ (response format),
 * https://developer.zendesk.com/api-reference/introduction/rate-limits/
 */
export function judgeZendeskAnswer(answer: CrmAnswer, resource: 'user' | 'ticket'): Verdict {
  const { status } = answer;
  if (status === 200 || status === 201) {
    const record = fieldOf(parseJson(answer.body), resource);
    return deliveredVerdict(status, {
      crmRecordId: recordIdOf(fieldOf(record, 'id'), NUMERIC_ID),
      created: status === 201,
    });
  }
  const error = `CRM answered ${status}: ${errorOf(answer)}`;
  if (status === 409) return retryVerdict(status, error);
  return refusedVerdict(answer, error);
}
