import { DefaultRecordRendering, DefaultRecords } from '../../../mapping/default-records';

const CONTACT_KEY = 'cognigy_customerid';

/**
 * Tables `contact` and `incident` (entity sets `contacts`, `incidents`) with one alternate key each,
 * as mappings/dataverse.example.json maps them. Dataverse refuses a new incident without its
 * customer: it is bound to the contact by the contact's alternate key.
 */
export const DATAVERSE_RECORDS: DefaultRecords = {
  contact: {
    object: 'contacts',
    idField: CONTACT_KEY,
    fields: {
      cognigy_status: { field: 'status' },
      description: { field: 'notes' },
      cognigy_lastinteraction: { field: 'last_interaction' },
    },
  },
  ticket: {
    object: 'incidents',
    idField: 'cognigy_ticketid',
    fields: {
      title: { field: 'description' },
      description: { field: 'description' },
      cognigy_priority: { field: 'priority' },
      cognigy_source: { literal: 'cognigy_ai' },
      'customerid_contact@odata.bind': { bind: { entitySet: 'contacts', key: CONTACT_KEY, field: 'customer' } },
    },
  },
};

export const dataverseRendering = new DefaultRecordRendering(DATAVERSE_RECORDS);
