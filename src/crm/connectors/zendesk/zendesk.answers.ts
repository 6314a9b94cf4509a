import { CrmResult } from '../../client/crm-client';
import {
  attemptsUsed,
  CrmAnswer,
  deliveredVerdict,
  EventVerdict,
  parseJson,
  refusedVerdict,
  Verdict,
  verdictOf,
} from '../verdict';

/** Zendesk's error, description and details, or the answer's excerpt. */
export const errorOf = (answer: CrmAnswer) => {
  const body = parseJson(answer.body) as { error?: unknown; description?: string; details?: unknown } | undefined;
  if (!body?.error) return answer.excerpt;
  const error = typeof body.error === 'string' ? body.error : JSON.stringify(body.error);
  const details = body.details ? ` ${JSON.stringify(body.details)}` : '';
  const description = body.description ? `: ${body.description}` : '';
  return `${error}${description}${details}`.slice(0, 300);
};

/** The ticket a lookup by external_id found: several may share one (Zendesk does not enforce it unique), the oldest wins. */
export function foundTicketId(lookup: CrmAnswer): number | undefined {
  const found = (parseJson(lookup.body) as { tickets?: Array<{ id: number }> } | undefined)?.tickets ?? [];
  return found.map((t) => t.id).sort((a, b) => a - b)[0];
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

/** 200/201 delivered (201: created); 400/404/422 dead with Zendesk's error, description and details; 429 after Retry-After. */
export function judgeZendeskAnswer(answer: CrmAnswer, resource: 'user' | 'ticket'): Verdict {
  const { status } = answer;
  if (status === 200 || status === 201) {
    const record = (parseJson(answer.body) as Record<string, { id?: number }> | undefined)?.[resource];
    return deliveredVerdict(status, {
      crmRecordId: record?.id === undefined ? null : String(record.id),
      created: status === 201,
    });
  }
  const error = `CRM answered ${status}: ${errorOf(answer)}`;
  return refusedVerdict(answer, error);
}
