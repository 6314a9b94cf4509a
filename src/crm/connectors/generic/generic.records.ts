import { DefaultRecordRendering, DefaultRecords } from '../../../mapping/default-records';

/**
 * The original design's API (SPEC §4.1): a contact or ticket upsert posted to its path, the body
 * holding exactly these fields, the external id among them.
 */
export const GENERIC_RECORDS: DefaultRecords = {
  contact: {
    path: '/api/v2/contacts/upsert',
    fields: {
      external_id: { externalId: true },
      status: { field: 'status' },
      notes: { field: 'notes' },
      last_interaction: { field: 'last_interaction' },
    },
  },
  ticket: {
    path: '/api/v2/tickets/upsert',
    fields: {
      external_id: { externalId: true },
      priority: { field: 'priority' },
      description: { field: 'description' },
      source: { literal: 'cognigy_ai' },
    },
    unwritten: { customer: 'the ticket body of the original API holds no customer' },
  },
};

export const genericRendering = new DefaultRecordRendering(GENERIC_RECORDS);
