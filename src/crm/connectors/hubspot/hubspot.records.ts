import { DefaultRecordRendering, DefaultRecords } from '../../../mapping/default-records';

/**
 * Contacts and tickets with one unique-value property each, as mappings/hubspot.example.json maps
 * them. A ticket needs a pipeline and a stage: the default pipeline's (`0`) first stage (`1`).
 */
export const HUBSPOT_RECORDS: DefaultRecords = {
  contact: {
    object: 'contacts',
    idField: 'cognigy_customer_id',
    fields: {
      cognigy_status: { field: 'status' },
      cognigy_notes: { field: 'notes' },
      cognigy_last_interaction: { field: 'last_interaction' },
    },
  },
  ticket: {
    object: 'tickets',
    idField: 'cognigy_ticket_id',
    fields: {
      subject: { field: 'description' },
      content: { field: 'description' },
      cognigy_priority: { field: 'priority' },
      hs_pipeline: { literal: '0' },
      hs_pipeline_stage: { literal: '1' },
    },
    unwritten: { customer: 'a ticket is linked to a contact by an association, another request' },
  },
};

export const hubspotRendering = new DefaultRecordRendering(HUBSPOT_RECORDS);
