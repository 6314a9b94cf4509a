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
import { errorOf, foundTicket, judgeZendeskAnswer } from './zendesk.answers';
import { ticketWriteRequest } from './zendesk.requests';

/** Zendesk's documented shapes, each field holding anything. */
const id = orAny(fc.oneof(fc.integer().map(String), fc.constantFrom('"../users/7"', '"7"', '1.5', '0')));
const record = objectText({ id, external_id: stringish, priority: stringish });
const zendeskBody = bodyText(
  objectText({ error: orAny(stringish), description: stringish, details: anyJsonText }),
  objectText({ tickets: orAny(arrayText(orAny(record))), count: anyJsonText, next_page: stringish }),
  objectText({ user: orAny(record) }),
  objectText({ ticket: orAny(record) }),
);
const answers = answerArbitrary(zendeskBody);

describe('Zendesk answers, any JSON and status (property)', () => {
  it('a user or ticket write answer always gets a verdict; an error is always described', () => {
    fc.assert(
      fc.property(answers, fc.constantFrom('user' as const, 'ticket' as const), (answer, resource) => {
        expectJudged(judgeZendeskAnswer(answer, resource), answer);
        if (typeof errorOf(answer) !== 'string') throw new Error('no description');
      }),
      { numRuns: RUNS },
    );
  });

  it('a ticket lookup answer is a ticket number, none, or a retry: no other id reaches a path', () => {
    const event = claimedFor('tickets', 'external_id', 'T-1');
    fc.assert(
      fc.property(answers, (answer) => {
        const found = foundTicket(answer);
        if ('unreadable' in found) {
          if (found.unreadable.action !== 'retry') throw new Error(`unreadable lookup ${found.unreadable.action}`);
          return expectJudged(found.unreadable, answer);
        }
        const { method, path } = ticketWriteRequest(event, found.existing);
        const expected = found.existing === undefined ? 'POST /api/v2/tickets' : /^PUT \/api\/v2\/tickets\/[1-9]\d*$/;
        const sent = `${method} ${path}`;
        if (typeof expected === 'string' ? sent !== expected : !expected.test(sent)) throw new Error(sent);
      }),
      { numRuns: RUNS },
    );
  });
});
