import fc from 'fast-check';
import {
  answerArbitrary,
  anyJsonText,
  arrayText,
  bodyText,
  booleanish,
  claimedFor,
  expectJudged,
  objectText,
  orAny,
  RUNS,
  stringish,
} from '../crm-answer.fixture';
import { collectionResults, judgeRecordResult, judgeSalesforceAnswer } from './salesforce.answers';
import { idGoesInBody, upsertOneRequest } from './salesforce.requests';

/** Salesforce's documented shapes, each field holding anything. */
const error = objectText({ errorCode: stringish, statusCode: stringish, message: stringish, fields: anyJsonText });
const result = objectText({
  id: orAny(fc.constantFrom('"003000000000001AAA"', '"003000000000001"')),
  success: booleanish,
  created: booleanish,
  errors: orAny(arrayText(orAny(error))),
});
const salesforceBody = bodyText(arrayText(orAny(error)), result, arrayText(orAny(result)), arrayText(stringish));
const answers = answerArbitrary(salesforceBody);

const SALESFORCE_ID = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;

describe('Salesforce answers, any JSON and status (property)', () => {
  it('an upsert answer always gets a verdict', () => {
    fc.assert(
      fc.property(answers, (answer) => {
        const verdict = judgeSalesforceAnswer(answer);
        expectJudged(verdict, answer);
        if (verdict.action === 'delivered') {
          const id = verdict.attempt.crmRecordId;
          if (id !== null && !SALESFORCE_ID.test(String(id))) throw new Error(`record id ${String(id)}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('each record of a collection answer gets a verdict, delivered only on success: true', () => {
    fc.assert(
      fc.property(answers, (answer) => {
        const results = collectionResults({ ...answer, status: 200 });
        for (const [i, record] of [...results, undefined].entries()) {
          const verdict = judgeRecordResult(record);
          expectJudged(verdict, { status: 200 });
          const success = (record as { success?: unknown } | null)?.success;
          if (verdict.action === 'delivered' && success !== true) throw new Error(`record ${i} delivered`);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('Salesforce record URLs, any external id (property)', () => {
  const API = '/services/data/v62.0';
  const ids = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.constantFrom('', '.', '..', '%2e', '%2E%2e', '.%2e', 'a/..', '..\\', '?', '#', 'C-1.inc'),
  );

  it('an id goes in the path only where the URL keeps it as the last segment', () => {
    fc.assert(
      fc.property(ids, (externalId) => {
        const event = claimedFor('Contact', 'Cognigy_Customer_Id__c', externalId);
        if (idGoesInBody(event)) return;
        const { path } = upsertOneRequest(API, event);
        const parsed = new URL(`https://acme.my.salesforce.com${path}`);
        const expected = `${API}/sobjects/Contact/Cognigy_Customer_Id__c/${encodeURIComponent(externalId)}`;
        if (parsed.pathname !== expected || parsed.search !== '' || parsed.hash !== '')
          throw new Error(`${JSON.stringify(externalId)} became ${parsed.pathname}${parsed.search}${parsed.hash}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('dot segments go in the body', () => {
    for (const id of ['', '.', '..']) expect(idGoesInBody(claimedFor('Contact', 'F', id))).toBe(true);
    expect(idGoesInBody(claimedFor('Contact', 'F', '...'))).toBe(false);
  });
});
