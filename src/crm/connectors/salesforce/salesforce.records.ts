import { DefaultRecordRendering, DefaultRecords } from '../../../mapping/default-records';

/**
 * Standard objects with one custom External ID field each, as mappings/salesforce.example.json
 * maps them. A Contact cannot be created without `LastName` (REQUIRED_FIELD_MISSING): it takes the
 * customer id.
 */
export const SALESFORCE_RECORDS: DefaultRecords = {
  contact: {
    object: 'Contact',
    idField: 'Cognigy_Customer_Id__c',
    fields: {
      LastName: { externalId: true },
      Status__c: { field: 'status' },
      Description: { field: 'notes' },
      Last_Interaction__c: { field: 'last_interaction' },
    },
  },
  ticket: {
    object: 'Case',
    idField: 'Cognigy_Ticket_Id__c',
    fields: {
      Subject: { field: 'description' },
      Priority: { field: 'priority' },
      Description: { field: 'description' },
      Origin: { literal: 'Cognigy AI' },
    },
    unwritten: {
      customer: "a Case by the contact's external id fails while the Contact does not exist yet; link it in a mapping",
    },
  },
};

export const salesforceRendering = new DefaultRecordRendering(SALESFORCE_RECORDS);
