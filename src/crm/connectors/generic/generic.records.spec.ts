import { BARE_CONTACT, BARE_TICKET, FULL_CONTACT, FULL_TICKET, renderedBuiltIn } from '../record-change.fixture';
import { genericRendering } from './generic.records';

describe('generic default records: the original API of SPEC §4.1', () => {
  it('renders the contact change to POST /api/v2/contacts/upsert with exactly the documented body, in its order', () => {
    const upsert = renderedBuiltIn(genericRendering, FULL_CONTACT);
    expect(upsert).toEqual({
      intent: 'update_customer_profile',
      objectType: 'contact',
      externalId: 'C-1001',
      method: 'POST',
      path: '/api/v2/contacts/upsert',
      body: {
        external_id: 'C-1001',
        status: 'gold',
        notes: 'asked for a callback',
        last_interaction: '2026-11-26T10:00:00.000Z',
      },
    });
    // The bytes the previous release stored and sent for this event.
    expect(JSON.stringify(upsert.body)).toBe(
      '{"external_id":"C-1001","status":"gold","notes":"asked for a callback","last_interaction":"2026-11-26T10:00:00.000Z"}',
    );
  });

  it('renders the ticket change to POST /api/v2/tickets/upsert marked as from the bot; no customer in the body', () => {
    const upsert = renderedBuiltIn(genericRendering, FULL_TICKET);
    expect(upsert).toEqual({
      intent: 'log_support_ticket',
      objectType: 'ticket',
      externalId: 'T-77',
      method: 'POST',
      path: '/api/v2/tickets/upsert',
      body: { external_id: 'T-77', priority: 'high', description: 'printer on fire', source: 'cognigy_ai' },
    });
    expect(JSON.stringify(upsert.body)).toBe(
      '{"external_id":"T-77","priority":"high","description":"printer on fire","source":"cognigy_ai"}',
    );
  });

  it('leaves absent values out of the body (never sends "")', () => {
    expect(renderedBuiltIn(genericRendering, BARE_CONTACT).body).toEqual({
      external_id: 'C-1',
      last_interaction: '2026-11-26T10:00:00.000Z',
    });
    expect(renderedBuiltIn(genericRendering, BARE_TICKET).body).toEqual({ external_id: 'T-1', source: 'cognigy_ai' });
  });

  it('has no CRM record to check: it writes to paths', () => {
    expect(genericRendering.targetOf('contact')).toBeUndefined();
    expect(genericRendering.targetOf('ticket')).toBeUndefined();
  });
});
