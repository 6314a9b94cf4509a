import { dialogEvent, entities } from '../shared/dialog-completed-event.fixture';
import { MissingEntityError } from './mapping-errors';
import { IntentMapping } from './intent-strategy';
import { LogSupportTicketStrategy } from './log-support-ticket.strategy';

describe('LogSupportTicketStrategy', () => {
  const strategy = new LogSupportTicketStrategy();
  const ticket = (spec: Record<string, string | [string, number]>) =>
    dialogEvent({ intent: 'log_support_ticket', entities: entities(spec) });

  it('is marked as the strategy of log_support_ticket', () => {
    expect(Reflect.getMetadata(IntentMapping.KEY, LogSupportTicketStrategy)).toBe('log_support_ticket');
  });

  it('maps a full event to a ticket change with exactly the logical fields', () => {
    const change = strategy.map(
      ticket({ ticketId: 'T-77', priority: 'high', issue: 'printer on fire', customerId: 'C-1', mood: 'sad' }),
    );
    expect(change).toEqual({
      intent: 'log_support_ticket',
      objectType: 'ticket',
      externalId: 'T-77',
      fields: { priority: 'high', description: 'printer on fire', customer: 'C-1' },
    });
  });

  it('leaves absent optional entities without a value', () => {
    const none = { priority: undefined, description: undefined, customer: undefined };
    expect(strategy.map(ticket({ ticketId: 'T-1' })).fields).toEqual(none);
    expect(strategy.map(ticket({ ticketId: 'T-1', issue: 'no login' })).fields).toEqual({
      ...none,
      description: 'no login',
    });
  });

  it('treats an empty string as absent', () => {
    expect(strategy.map(ticket({ ticketId: 'T-1', priority: '', issue: '', customerId: '' })).fields).toEqual({
      priority: undefined,
      description: undefined,
      customer: undefined,
    });
  });

  it('has no last_interaction and does not depend on the event time', () => {
    const a = strategy.map(dialogEvent({ intent: 'log_support_ticket', entities: entities({ ticketId: 'T-1' }) }));
    const b = strategy.map(
      dialogEvent({
        intent: 'log_support_ticket',
        timestamp: '2030-01-01T00:00:00Z',
        entities: entities({ ticketId: 'T-1' }),
      }),
    );
    expect(a).toEqual(b);
    expect(a.fields).not.toHaveProperty('last_interaction');
  });

  it.each([
    ['absent', {}],
    ['empty', { ticketId: '' }],
  ])('a %s ticketId is a MissingEntityError naming it', (_case, spec) => {
    const event = ticket({ ...spec, issue: 'broken' });
    expect(() => strategy.map(event)).toThrow(MissingEntityError);
    expect(() => strategy.map(event)).toThrow('Missing required entity: ticketId');
  });
});
