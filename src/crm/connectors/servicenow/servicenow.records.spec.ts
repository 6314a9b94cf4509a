import { BARE_CONTACT, BARE_TICKET, FULL_CONTACT, FULL_TICKET, renderedBuiltIn } from '../record-change.fixture';
import { serviceNowRendering } from './servicenow.records';

describe('ServiceNow default records', () => {
  it('renders the contact change onto customer_contact by u_cognigy_customer_id, the customer id as last_name', () => {
    expect(renderedBuiltIn(serviceNowRendering, FULL_CONTACT)).toEqual({
      intent: 'update_customer_profile',
      objectType: 'contact',
      externalId: 'C-1001',
      object: 'customer_contact',
      idField: 'u_cognigy_customer_id',
      body: {
        last_name: 'C-1001',
        u_cognigy_status: 'gold',
        u_cognigy_notes: 'asked for a callback',
        u_cognigy_last_interaction: '2026-11-26T10:00:00.000Z',
      },
    });
  });

  it('renders the ticket change onto incident by correlation_id, correlation_display "Cognigy.AI", no caller', () => {
    expect(renderedBuiltIn(serviceNowRendering, FULL_TICKET)).toEqual({
      intent: 'log_support_ticket',
      objectType: 'ticket',
      externalId: 'T-77',
      object: 'incident',
      idField: 'correlation_id',
      body: {
        short_description: 'printer on fire',
        description: 'printer on fire',
        u_cognigy_priority: 'high',
        correlation_display: 'Cognigy.AI',
      },
    });
  });

  it('leaves absent values out', () => {
    expect(renderedBuiltIn(serviceNowRendering, BARE_CONTACT).body).toEqual({
      last_name: 'C-1',
      u_cognigy_last_interaction: '2026-11-26T10:00:00.000Z',
    });
    expect(renderedBuiltIn(serviceNowRendering, BARE_TICKET).body).toEqual({ correlation_display: 'Cognigy.AI' });
  });

  it('names for crm:check the tables, correlation fields and written fields', () => {
    expect(serviceNowRendering.targetOf('ticket')).toEqual({
      object: 'incident',
      idField: 'correlation_id',
      fields: ['short_description', 'description', 'u_cognigy_priority', 'correlation_display'],
      binds: [],
    });
    expect(serviceNowRendering.targetOf('contact')).toMatchObject({
      object: 'customer_contact',
      idField: 'u_cognigy_customer_id',
    });
  });
});
