import { DefaultRecordRendering, DefaultRecords } from '../../../mapping/default-records';

/**
 * Users and tickets by their built-in `external_id`, as mappings/zendesk.example.json maps them.
 * A new user needs a `name`: it takes the customer id. The customer's status and last interaction
 * are custom user fields (`user_fields/<key>` nests); the issue opens the ticket's conversation.
 */
export const ZENDESK_RECORDS: DefaultRecords = {
  contact: {
    object: 'users',
    idField: 'external_id',
    fields: {
      name: { externalId: true },
      'user_fields/cognigy_status': { field: 'status' },
      notes: { field: 'notes' },
      'user_fields/cognigy_last_interaction': { field: 'last_interaction' },
    },
  },
  ticket: {
    object: 'tickets',
    idField: 'external_id',
    fields: {
      subject: { field: 'description' },
      'comment/body': { field: 'description' },
      priority: { field: 'priority' },
    },
    unwritten: { customer: "a ticket's requester is a Zendesk user id, which the event does not carry" },
  },
};

export const zendeskRendering = new DefaultRecordRendering(ZENDESK_RECORDS);
