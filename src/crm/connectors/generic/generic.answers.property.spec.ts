import fc from 'fast-check';
import { answerArbitrary, bodyText, expectJudged, RUNS } from '../crm-answer.fixture';
import { judgeGenericAnswer } from './generic.answers';

describe('generic answers, any body, status and headers (property)', () => {
  it('always get a verdict', () => {
    fc.assert(
      fc.property(answerArbitrary(bodyText()), (answer) => expectJudged(judgeGenericAnswer(answer), answer)),
      { numRuns: RUNS },
    );
  });
});
