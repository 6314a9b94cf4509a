import fc from 'fast-check';
import { answerArbitrary, bodyText, expectJudged, objectText, orAny, RUNS, stringish } from '../crm-answer.fixture';
import { judgeDataverseAnswer } from './dataverse.answers';

/** Dataverse's documented error shape, each field holding anything. */
const dataverseBody = bodyText(objectText({ error: orAny(objectText({ code: stringish, message: stringish })) }));

describe('Dataverse answers, any JSON, status and headers (property)', () => {
  it('always get a verdict', () => {
    fc.assert(
      fc.property(answerArbitrary(dataverseBody), (answer) => expectJudged(judgeDataverseAnswer(answer), answer)),
      { numRuns: RUNS },
    );
  });
});
