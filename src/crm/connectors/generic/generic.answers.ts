import { CrmAnswer, deliveredVerdict, refusedVerdict, Verdict } from '../verdict';

/** The original design's table: 2xx and 409 delivered, 429 after Retry-After, 408/5xx/401 retried, other 4xx dead. */
export function judgeGenericAnswer(answer: CrmAnswer): Verdict {
  const { status, excerpt } = answer;
  if ((status >= 200 && status < 300) || status === 409) return deliveredVerdict(status);
  const error = `CRM answered ${status}: ${excerpt}`;
  return refusedVerdict(answer, error);
}
