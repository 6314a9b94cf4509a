import { DefaultRecordRendering, DefaultRecords } from '../../../mapping/default-records';

/**
 * An incident by its standard correlation field, and a customer contact (the Customer Service
 * Management table, which extends sys_user) by a custom unique field, as
 * mappings/servicenow.example.json maps them. The customer id names the contact (`last_name`);
 * the incident says where it came from in `correlation_display`, the field meant for it.
 */
export const SERVICENOW_RECORDS: DefaultRecords = {
  contact: {
    object: 'customer_contact',
    idField: 'u_cognigy_customer_id',
    fields: {
      last_name: { externalId: true },
      u_cognigy_status: { field: 'status' },
      u_cognigy_notes: { field: 'notes' },
      u_cognigy_last_interaction: { field: 'last_interaction' },
    },
  },
  ticket: {
    object: 'incident',
    idField: 'correlation_id',
    fields: {
      short_description: { field: 'description' },
      description: { field: 'description' },
      u_cognigy_priority: { field: 'priority' },
      correlation_display: { literal: 'Cognigy.AI' },
    },
    unwritten: {
      customer: "an incident's caller (caller_id) is a reference by sys_id, which the event does not carry",
    },
  },
};

export const serviceNowRendering = new DefaultRecordRendering(SERVICENOW_RECORDS);
