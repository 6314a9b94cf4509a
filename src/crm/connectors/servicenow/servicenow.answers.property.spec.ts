import fc from 'fast-check';
import {
  answerArbitrary,
  anyJsonText,
  arrayText,
  bodyText,
  claimedFor,
  expectJudged,
  objectText,
  orAny,
  RUNS,
  stringish,
} from '../crm-answer.fixture';
import { errorOf, foundRecord, judgeWrite } from './servicenow.answers';
import { lookupRequest, SYS_ID, writeRequest } from './servicenow.requests';

/** ServiceNow's documented shapes (records in `result`, errors in `error`), each field holding anything. */
const sysId = orAny(
  fc.oneof(
    fc.stringMatching(/^[0-9a-f]{32}$/).map((id) => JSON.stringify(id)),
    fc.constantFrom('"../sys_user/6816f79cc0a8016401c5a33be04be441"', '"6816f79c"', '""', '"%2e%2e"'),
  ),
);
const correlation = orAny(fc.constantFrom('"T-1"', '"t-1"', '"T-2"', '""', 'null', '{"value":"T-1"}'));
const record = objectText({ sys_id: sysId, correlation_id: correlation, number: stringish });
const serviceNowBody = bodyText(
  objectText({ result: orAny(arrayText(orAny(record))) }),
  objectText({ result: orAny(record) }),
  objectText({ error: orAny(objectText({ message: stringish, detail: stringish })), status: stringish }),
  objectText({ error: anyJsonText, error_description: stringish }),
);
const answers = answerArbitrary(serviceNowBody);
/** A record as a lookup reads it: a sys_id and the id field, each holding anything. */
const looked = fc.tuple(sysId, correlation).map(([id, value]) => `{"sys_id":${id},"correlation_id":${value}}`);
/** Lookup answers: any of the above, and as many 200s listing records of any shape. */
const lookups = fc.oneof(
  answers,
  answerArbitrary(objectText({ result: arrayText(fc.oneof(looked, orAny(record))) })).map((answer) => ({
    ...answer,
    status: 200,
  })),
);
const EVENT = claimedFor('incident', 'correlation_id', 'T-1');

describe('ServiceNow answers, any JSON and status (property)', () => {
  it('a write answer always gets a verdict; a kept record id is a sys_id; an error is always described', () => {
    fc.assert(
      fc.property(answers, fc.boolean(), (answer, created) => {
        const verdict = judgeWrite(answer, created);
        expectJudged(verdict, answer);
        const id = verdict.action === 'delivered' ? verdict.attempt.crmRecordId : null;
        if (id !== null && id !== undefined && !SYS_ID.test(id)) throw new Error(`record id ${id}`);
        if (typeof errorOf(answer) !== 'string') throw new Error('no description');
      }),
      { numRuns: RUNS },
    );
  });

  it('a lookup answer is one sys_id, none, or a verdict: no other id reaches a path', () => {
    fc.assert(
      fc.property(lookups, (answer) => {
        const found = foundRecord(answer, EVENT.upsert);
        if ('verdict' in found) return expectJudged(found.verdict, answer);
        if (answer.status !== 200) throw new Error(`a ${answer.status} lookup found something`);
        const { method, path } = writeRequest(EVENT, found.existing);
        const sent = `${method} ${path}`;
        const expected =
          found.existing === undefined
            ? /^POST \/api\/now\/table\/incident\?sysparm_fields=sys_id$/
            : /^PATCH \/api\/now\/table\/incident\/[0-9a-fA-F]{32}\?sysparm_fields=sys_id$/;
        if (!expected.test(sent)) throw new Error(sent);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('ServiceNow lookups, any external id (property)', () => {
  const ids = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.constantFrom('^', '^^', 'T-1^ORactive=true', 'T-1^NQsys_id!=x', '&sysparm_limit=100', '%5E', 'a,b', '..'),
  );

  it('the id is one value of one condition: the path, the limit and the fields stay as they are', () => {
    fc.assert(
      fc.property(ids, (externalId) => {
        const { path } = lookupRequest(claimedFor('incident', 'correlation_id', externalId));
        const url = new URL(`https://acme.service-now.com${path}`);
        const params = [...url.searchParams.entries()];
        const expected = [
          ['sysparm_query', `correlation_id=${externalId.replace(/\^/g, '^^')}`],
          ['sysparm_limit', '2'],
          ['sysparm_fields', 'sys_id,correlation_id'],
        ];
        if (url.pathname !== '/api/now/table/incident' || JSON.stringify(params) !== JSON.stringify(expected))
          throw new Error(`${JSON.stringify(externalId)} became ${url.pathname}${url.search}`);
        // Read as ServiceNow reads it: conditions split at a single ^, ^^ standing for a ^.
        const conditions = params[0][1].split(/(?<!\^)\^(?!\^)/);
        if (conditions.length !== 1)
          throw new Error(`${JSON.stringify(externalId)} made ${conditions.length} conditions`);
      }),
      { numRuns: RUNS },
    );
  });
});
