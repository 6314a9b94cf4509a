import { dialogEvent, entities } from '../shared/dialog-completed-event.fixture';
import { MissingEntityError } from './mapping-errors';
import { IntentMapping } from './intent-strategy';
import { UpdateCustomerProfileStrategy } from './update-customer-profile.strategy';

describe('UpdateCustomerProfileStrategy', () => {
  const strategy = new UpdateCustomerProfileStrategy();

  it('is marked as the strategy of update_customer_profile', () => {
    expect(Reflect.getMetadata(IntentMapping.KEY, UpdateCustomerProfileStrategy)).toBe('update_customer_profile');
  });

  it('maps a full event to a contact change with exactly the logical fields', () => {
    const change = strategy.map(
      dialogEvent({
        entities: entities({ customerId: 'C-1001', newStatus: 'gold', notes: 'asked for a callback', extra: 'x' }),
        timestamp: '2026-11-26T10:00:00Z',
        metadata: { channel: 'voice' },
      }),
    );
    expect(change).toEqual({
      intent: 'update_customer_profile',
      objectType: 'contact',
      externalId: 'C-1001',
      fields: {
        status: 'gold',
        notes: 'asked for a callback',
        last_interaction: '2026-11-26T10:00:00.000Z',
      },
    });
  });

  it('leaves absent optional entities without a value (never "")', () => {
    const { fields } = strategy.map(dialogEvent({ entities: entities({ customerId: 'C-1' }) }));
    expect(fields).toEqual({ status: undefined, notes: undefined, last_interaction: '2026-11-26T10:00:00.000Z' });
  });

  it('treats an empty string as absent', () => {
    const { fields } = strategy.map(
      dialogEvent({ entities: entities({ customerId: 'C-1', newStatus: '', notes: 'n' }) }),
    );
    expect(fields).toEqual({ status: undefined, notes: 'n', last_interaction: '2026-11-26T10:00:00.000Z' });
  });

  it('keeps a low-confidence optional entity (built-ins have no confidence floor)', () => {
    const change = strategy.map(
      dialogEvent({ entities: entities({ customerId: ['C-1', 0], newStatus: ['silver', 0.1] }) }),
    );
    expect(change).toMatchObject({ externalId: 'C-1', fields: { status: 'silver' } });
  });

  it.each([
    ['2026-11-26T10:00:00Z', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26T12:30:00+02:00', '2026-11-26T10:30:00.000Z'],
    ['2026-11-26T05:00:00.5-0500', '2026-11-26T10:00:00.500Z'],
    ['2026-11-26T10:00:00', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26', '2026-11-26T00:00:00.000Z'],
  ])('last_interaction is the event time %s normalised with toISOString', (timestamp, expected) => {
    const { fields } = strategy.map(dialogEvent({ timestamp, entities: entities({ customerId: 'C-1' }) }));
    expect(fields.last_interaction).toBe(expected);
    expect(fields.last_interaction).toBe(new Date(Date.parse(expected)).toISOString());
  });

  it('uses the event time, never the processing time: the same event maps to identical bytes later', async () => {
    const event = dialogEvent({ timestamp: '2020-01-01T00:00:00Z', entities: entities({ customerId: 'C-1' }) });
    const first = JSON.stringify(strategy.map(event));
    await new Promise((r) => setTimeout(r, 5));
    expect(JSON.stringify(strategy.map(event))).toBe(first);
    expect(strategy.map(event).fields.last_interaction).toBe('2020-01-01T00:00:00.000Z');
  });

  it.each([
    ['absent', {}],
    ['empty', { customerId: '' }],
  ])('a %s customerId is a MissingEntityError naming it', (_case, spec) => {
    const event = dialogEvent({ entities: entities({ ...spec, newStatus: 'gold' }) });
    expect(() => strategy.map(event)).toThrow(MissingEntityError);
    expect(() => strategy.map(event)).toThrow('Missing required entity: customerId');
  });
});
