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

  it('maps a full event to exactly the documented fields of a ticket upsert', () => {
    const upsert = strategy.map(ticket({ ticketId: 'T-77', priority: 'high', issue: 'printer on fire', mood: 'sad' }));
    expect(upsert).toEqual({
      intent: 'log_support_ticket',
      objectType: 'ticket',
      method: 'POST',
      path: '/api/v2/tickets/upsert',
      externalId: 'T-77',
      body: { external_id: 'T-77', priority: 'high', description: 'printer on fire', source: 'cognigy_ai' },
    });
  });

  it('leaves absent optional entities out of the body', () => {
    expect(strategy.map(ticket({ ticketId: 'T-1' })).body).toEqual({ external_id: 'T-1', source: 'cognigy_ai' });
    expect(strategy.map(ticket({ ticketId: 'T-1', issue: 'no login' })).body).toEqual({
      external_id: 'T-1',
      description: 'no login',
      source: 'cognigy_ai',
    });
  });

  it('treats an empty string as absent', () => {
    expect(strategy.map(ticket({ ticketId: 'T-1', priority: '', issue: '' })).body).toEqual({
      external_id: 'T-1',
      source: 'cognigy_ai',
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
    expect(a.body).not.toHaveProperty('last_interaction');
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
