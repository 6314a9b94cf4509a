import fc from 'fast-check';
import {
  answerArbitrary,
  anyJsonText,
  arrayText,
  bodyText,
  booleanish,
  expectJudged,
  objectText,
  orAny,
  RUNS,
  stringish,
} from '../crm-answer.fixture';
import { batchAnswerOf, judgeHubspotFailure, judgeInput } from './hubspot.answers';

const ID_FIELD = 'cognigy_customer_id';
const EXTERNAL_ID = 'C-1';
const KEY = { traceId: 'evt-1', idField: ID_FIELD, externalId: EXTERNAL_ID };

/** HubSpot's documented shapes, each field holding anything; the input's own id among the values. */
const ownId = orAny(fc.constant(JSON.stringify(EXTERNAL_ID)));
const ownTraceId = orAny(fc.constant(JSON.stringify(KEY.traceId)));
const result = objectText({
  id: orAny(fc.constantFrom('"512"', '512', '"-1"')),
  objectWriteTraceId: ownTraceId,
  new: booleanish,
  properties: orAny(objectText({ [ID_FIELD]: ownId, cognigy_status: stringish })),
});
const error = objectText({
  status: stringish,
  category: stringish,
  message: stringish,
  context: orAny(objectText({ objectWriteTraceId: orAny(arrayText(ownTraceId)), ids: orAny(arrayText(ownId)) })),
});
const hubspotBody = bodyText(
  objectText({ status: stringish, results: orAny(arrayText(orAny(result))), errors: orAny(arrayText(orAny(error))) }),
  error,
  anyJsonText,
);
const answers = answerArbitrary(hubspotBody);

describe('HubSpot answers, any JSON and status (property)', () => {
  it('each input of a 200/207 answer, and every failed request, gets a verdict', () => {
    fc.assert(
      fc.property(answers, (answer) => {
        const { status } = answer;
        if (status === 200 || status === 207) {
          expectJudged(judgeInput(status, batchAnswerOf(answer), KEY), answer);
        } else {
          expectJudged(judgeHubspotFailure(answer), answer);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
