import { fieldOf, stringOf } from '../answer-shape';
import { CrmAnswer, deliveredVerdict, parseJson, refusedVerdict, Verdict } from '../verdict';

/** Dataverse's error, `code: message`, or the answer's excerpt. */
export const errorOf = (answer: CrmAnswer) => {
  const error = fieldOf(parseJson(answer.body), 'error');
  const code = stringOf(fieldOf(error, 'code'));
  return code ? `${code}: ${stringOf(fieldOf(error, 'message')) ?? ''}`.trim().slice(0, 300) : answer.excerpt;
};

/** 204 (or 201/200 with a representation) delivered; 400/404/412 dead with error.code; 429 after Retry-After. */
export function judgeDataverseAnswer(answer: CrmAnswer): Verdict {
  const { status } = answer;
  if (status === 204 || status === 201 || status === 200) {
    // OData-EntityId: https://org.crm.dynamics.com/api/data/v9.2/contacts(<guid>)
    const id = /\(([0-9a-fA-F-]{36})\)\s*$/.exec(answer.headers['odata-entityid'] ?? '')?.[1] ?? null;
    return deliveredVerdict(status, { crmRecordId: id, created: status === 204 ? null : status === 201 });
  }
  const error = `CRM answered ${status}: ${errorOf(answer)}`;
  return refusedVerdict(answer, error);
}
