import { BARE_CONTACT, BARE_TICKET, FULL_CONTACT, FULL_TICKET, renderedBuiltIn } from '../record-change.fixture';
import { dataverseRendering } from './dataverse.records';

describe('Dataverse default records', () => {
  it('renders the contact change onto contacts by the alternate key cognigy_customerid', () => {
    expect(renderedBuiltIn(dataverseRendering, FULL_CONTACT)).toEqual({
      intent: 'update_customer_profile',
      objectType: 'contact',
      externalId: 'C-1001',
      object: 'contacts',
      idField: 'cognigy_customerid',
      body: {
        cognigy_status: 'gold',
        description: 'asked for a callback',
        cognigy_lastinteraction: '2026-11-26T10:00:00.000Z',
      },
    });
  });

  it("renders the ticket change onto incidents by cognigy_ticketid, bound to its customer's contact by key", () => {
    expect(renderedBuiltIn(dataverseRendering, FULL_TICKET)).toEqual({
      intent: 'log_support_ticket',
      objectType: 'ticket',
      externalId: 'T-77',
      object: 'incidents',
      idField: 'cognigy_ticketid',
      body: {
        title: 'printer on fire',
        description: 'printer on fire',
        cognigy_priority: 'high',
        cognigy_source: 'cognigy_ai',
        // Quoted as the contact's own upsert URL quotes its key, so the bind finds that row.
        'customerid_contact@odata.bind': "/contacts(cognigy_customerid='O''Brien%207')",
      },
    });
  });

  it('leaves absent values out, the bind too when the event names no customer', () => {
    expect(renderedBuiltIn(dataverseRendering, BARE_CONTACT).body).toEqual({
      cognigy_lastinteraction: '2026-11-26T10:00:00.000Z',
    });
    expect(renderedBuiltIn(dataverseRendering, BARE_TICKET).body).toEqual({ cognigy_source: 'cognigy_ai' });
  });

  it('names for crm:check the bound table and its key beside the incident', () => {
    expect(dataverseRendering.targetOf('ticket')).toEqual({
      object: 'incidents',
      idField: 'cognigy_ticketid',
      fields: ['title', 'description', 'cognigy_priority', 'cognigy_source', 'customerid_contact@odata.bind'],
      binds: [{ field: 'customerid_contact@odata.bind', entitySet: 'contacts', key: 'cognigy_customerid' }],
    });
  });
});
