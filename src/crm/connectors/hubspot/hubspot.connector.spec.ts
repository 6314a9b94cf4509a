import { CrmClient, CrmResult } from '../../client/crm-client';
import { CrmRequest } from '../../client/crm-request';
import { claimedFor, documentedAnswer } from '../crm-answer.fixture';
import { HubspotConnector } from './hubspot.connector';

/** A CrmClient answering each request with the next scripted result, keeping what was sent. */
class ScriptedClient {
  readonly sent: CrmRequest[] = [];
  constructor(private readonly results: CrmResult[]) {}
  send(_objectType: string, request: CrmRequest): Promise<CrmResult> {
    this.sent.push(request);
    return Promise.resolve(this.results.shift()!);
  }
}

const inputsOf = (request: CrmRequest) => (JSON.parse(request.data!) as { inputs: unknown[] }).inputs.length;

// A whole 400 names no input: https://developers.hubspot.com/docs/api-reference/error-handling
const refusedBatch = documentedAnswer(400, { status: 'error', message: 'Invalid input', category: 'VALIDATION_ERROR' });
const ok = (traceId: string) =>
  documentedAnswer(200, {
    status: 'COMPLETE',
    results: [{ id: '5', new: true, properties: {}, objectWriteTraceId: traceId }],
  });

describe('HubspotConnector, a batch refused as a whole', () => {
  const events = [
    claimedFor('contacts', 'cognigy_customer_id', 'C-1'),
    claimedFor('contacts', 'cognigy_customer_id', 'C-2'),
  ];

  it('resends each input alone: two attempts each, the batch request explained in each history', async () => {
    const client = new ScriptedClient([refusedBatch, ok(events[0].eventId), refusedBatch]);
    const verdicts = await new HubspotConnector(client as unknown as CrmClient).deliver(events);
    expect(client.sent.map(inputsOf)).toEqual([2, 1, 1]);
    const why = 'CRM answered 400 to a batch of 2 inputs (VALIDATION_ERROR: Invalid input): each input resent alone';
    expect(verdicts.map((v) => [v.verdict.action, v.attempts])).toEqual([
      ['delivered', 2],
      ['dead', 2],
    ]);
    expect(verdicts[0].requests).toEqual([
      { at: 0, status: 400, error: why, durationMs: 1 },
      { at: 0, status: 200, error: null, durationMs: 1 },
    ]);
    expect(verdicts[1].verdict).toMatchObject({
      attempt: { error: 'CRM answered 400: VALIDATION_ERROR: Invalid input' },
    });
  });

  it('an input not resent because the breaker opened is retried, its batch attempt counted', async () => {
    const unsent: CrmResult = { kind: 'breaker-open', sent: 0, requests: [] };
    const client = new ScriptedClient([refusedBatch, unsent, unsent]);
    const verdicts = await new HubspotConnector(client as unknown as CrmClient).deliver(events);
    for (const { verdict, attempts, requests } of verdicts) {
      expect(verdict).toMatchObject({ action: 'retry', attempt: { status: 400 } });
      expect(attempts).toBe(1);
      expect(requests).toHaveLength(1);
    }
  });

  it('one input refused with 400 is not resent: dead', async () => {
    const client = new ScriptedClient([refusedBatch]);
    const [only] = await new HubspotConnector(client as unknown as CrmClient).deliver([events[0]]);
    expect(client.sent).toHaveLength(1);
    expect(only).toMatchObject({ verdict: { action: 'dead' }, attempts: 1 });
  });
});
