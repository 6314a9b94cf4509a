import { BARE_CONTACT, BARE_TICKET, FULL_CONTACT, FULL_TICKET, renderedBuiltIn } from '../record-change.fixture';
import { zendeskRendering } from './zendesk.records';

describe('Zendesk default records', () => {
  it('renders the contact change onto users by external_id: the customer id as name, custom user fields nested', () => {
    expect(renderedBuiltIn(zendeskRendering, FULL_CONTACT)).toEqual({
      intent: 'update_customer_profile',
      objectType: 'contact',
      externalId: 'C-1001',
      object: 'users',
      idField: 'external_id',
      body: {
        name: 'C-1001',
        user_fields: { cognigy_status: 'gold', cognigy_last_interaction: '2026-11-26T10:00:00.000Z' },
        notes: 'asked for a callback',
      },
    });
  });

  it('renders the ticket change onto tickets by external_id, the issue as subject and first comment', () => {
    expect(renderedBuiltIn(zendeskRendering, FULL_TICKET)).toEqual({
      intent: 'log_support_ticket',
      objectType: 'ticket',
      externalId: 'T-77',
      object: 'tickets',
      idField: 'external_id',
      body: { subject: 'printer on fire', comment: { body: 'printer on fire' }, priority: 'high' },
    });
  });

  it('leaves absent values out, and no empty nested object', () => {
    expect(renderedBuiltIn(zendeskRendering, BARE_CONTACT).body).toEqual({
      name: 'C-1',
      user_fields: { cognigy_last_interaction: '2026-11-26T10:00:00.000Z' },
    });
    expect(renderedBuiltIn(zendeskRendering, BARE_TICKET).body).toEqual({});
  });

  it('names for crm:check the user fields the contact writes', () => {
    expect(zendeskRendering.targetOf('contact')?.fields).toEqual([
      'name',
      'user_fields/cognigy_status',
      'notes',
      'user_fields/cognigy_last_interaction',
    ]);
  });
});
