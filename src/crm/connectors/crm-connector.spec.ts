import { ClaimedEvent } from '../../queue/stored-event';
import { firstClaimOf, newEvent } from '../../queue/stored-event.fixture';
import { RecordUpsert } from '../../shared/dialog-completed-event';
import { batchKey, Claimed, RecordConnector } from './crm-connector';
import { deliveredVerdict, EventVerdict } from './verdict';

/** A claimed event mapped to a request path (the fixture's), or to a CRM record when `record` is given. */
function claimed(eventId: string, record?: Partial<RecordUpsert>): ClaimedEvent {
  const event = firstClaimOf(newEvent({ eventId }));
  if (!record) return event;
  const { intent, objectType, externalId, body } = event.upsert;
  return { ...event, upsert: { intent, objectType, externalId, body, object: 'Contact', idField: 'Id__c', ...record } };
}

/** Records what it was asked to send; delivers each. */
class Recording extends RecordConnector {
  readonly sent: string[][] = [];

  protected async send(events: Array<Claimed<RecordUpsert>>): Promise<EventVerdict[]> {
    this.sent.push(events.map((e) => `${e.eventId}:${e.upsert.object}`));
    return events.map(() => ({ verdict: deliveredVerdict(200), attempts: 1, requests: [] }));
  }

  check(): never {
    throw new Error('not used');
  }
}

describe('a connector of one upsert kind', () => {
  it('sends the events of its kind in one call, in order, and dead-letters any other unsent, verdicts in order', async () => {
    const connector = new Recording();
    const verdicts = await connector.deliver([claimed('a', {}), claimed('p'), claimed('b', {})]);
    expect(connector.sent).toEqual([['a:Contact', 'b:Contact']]);
    expect(verdicts.map(({ verdict }) => verdict.action)).toEqual(['delivered', 'dead', 'delivered']);
    expect(verdicts[1]).toEqual({
      verdict: {
        action: 'dead',
        attempt: {
          status: null,
          error:
            'mapped to the request path /api/v2/contacts/upsert, but CRM_CONNECTOR upserts CRM records: it needs the connector it was mapped for',
        },
      },
      attempts: 0,
      requests: [],
    });
  });

  it('sends nothing when no event is of its kind', async () => {
    const connector = new Recording();
    expect((await connector.deliver([claimed('p')])).map(({ verdict }) => verdict.action)).toEqual(['dead']);
    expect(connector.sent).toEqual([]);
  });

  it('batches events of one intent only when they name one target', () => {
    expect(batchKey(claimed('a', {}))).toBe(batchKey(claimed('b', {})));
    expect(batchKey(claimed('a', {}))).not.toBe(batchKey(claimed('b', { object: 'Lead' })));
    expect(batchKey(claimed('a', {}))).not.toBe(batchKey(claimed('b', { idField: 'Other__c' })));
    expect(batchKey(claimed('a', {}))).not.toBe(batchKey(claimed('p')));
  });
});
