import { BARE_CONTACT, BARE_TICKET, FULL_CONTACT, FULL_TICKET, renderedBuiltIn } from '../record-change.fixture';
import { salesforceRendering } from './salesforce.records';

describe('Salesforce default records', () => {
  it('renders the contact change onto Contact by Cognigy_Customer_Id__c, the customer id as LastName', () => {
    expect(renderedBuiltIn(salesforceRendering, FULL_CONTACT)).toEqual({
      intent: 'update_customer_profile',
      objectType: 'contact',
      externalId: 'C-1001',
      object: 'Contact',
      idField: 'Cognigy_Customer_Id__c',
      body: {
        LastName: 'C-1001',
        Status__c: 'gold',
        Description: 'asked for a callback',
        Last_Interaction__c: '2026-11-26T10:00:00.000Z',
      },
    });
  });

  it('renders the ticket change onto Case by Cognigy_Ticket_Id__c, Origin "Cognigy AI", no contact link', () => {
    expect(renderedBuiltIn(salesforceRendering, FULL_TICKET)).toEqual({
      intent: 'log_support_ticket',
      objectType: 'ticket',
      externalId: 'T-77',
      object: 'Case',
      idField: 'Cognigy_Ticket_Id__c',
      body: { Subject: 'printer on fire', Priority: 'high', Description: 'printer on fire', Origin: 'Cognigy AI' },
    });
  });

  it('leaves absent values out; a new Contact still has its LastName', () => {
    expect(renderedBuiltIn(salesforceRendering, BARE_CONTACT).body).toEqual({
      LastName: 'C-1',
      Last_Interaction__c: '2026-11-26T10:00:00.000Z',
    });
    expect(renderedBuiltIn(salesforceRendering, BARE_TICKET).body).toEqual({ Origin: 'Cognigy AI' });
  });

  it('names for crm:check the objects, External ID fields and written fields', () => {
    expect(salesforceRendering.targetOf('contact')).toEqual({
      object: 'Contact',
      idField: 'Cognigy_Customer_Id__c',
      fields: ['LastName', 'Status__c', 'Description', 'Last_Interaction__c'],
      binds: [],
    });
    expect(salesforceRendering.targetOf('ticket')).toMatchObject({ object: 'Case', idField: 'Cognigy_Ticket_Id__c' });
  });
});
