import { sendContact, sendTicket, settledAs, startWithDefaultRecords, view } from './support/connector-app';
import { CRMS_UNDER_TEST } from './support/connector-fakes';
import { TestApp } from './support/test-app';
import { unique } from './support/webhook-cases';

/**
 * Without MAPPINGS_FILE, the two built-in intents deliver with every connector: the built-in
 * strategies' record changes, rendered onto the connector's default records (its
 * `<name>.records.ts`, docs/connectors.md), reach its CRM over real HTTP through the real app.
 * Each CRM is the fake its connector suite uses, holding the objects and fields an admin creates.
 */

const EVENT_TIME = { timestamp: '2026-11-26T11:00:00+01:00' };
const LAST_INTERACTION = '2026-11-26T10:00:00.000Z';
const NOTES = 'asked for a callback';

/**
 * What each CRM holds for the contact and the ticket (a Dataverse incident is refused without its
 * customer, so one delivered is bound to the contact).
 */
const EXPECTED: Record<string, { contact: (id: string) => object; ticket: object }> = {
  generic: {
    contact: (id) => ({ external_id: id, status: 'gold', notes: NOTES, last_interaction: LAST_INTERACTION }),
    ticket: { priority: 'high', description: 'router offline', source: 'cognigy_ai' },
  },
  salesforce: {
    contact: (id) => ({ LastName: id, Status__c: 'gold', Description: NOTES, Last_Interaction__c: LAST_INTERACTION }),
    ticket: { Subject: 'router offline', Priority: 'high', Description: 'router offline', Origin: 'Cognigy AI' },
  },
  dataverse: {
    contact: () => ({ cognigy_status: 'gold', description: NOTES, cognigy_lastinteraction: LAST_INTERACTION }),
    ticket: { title: 'router offline', description: 'router offline', cognigy_priority: 'high' },
  },
  hubspot: {
    contact: () => ({ cognigy_status: 'gold', cognigy_notes: NOTES, cognigy_last_interaction: LAST_INTERACTION }),
    ticket: { subject: 'router offline', content: 'router offline', cognigy_priority: 'high', hs_pipeline_stage: '1' },
  },
  zendesk: {
    contact: (id) => ({
      name: id,
      notes: NOTES,
      user_fields: { cognigy_status: 'gold', cognigy_last_interaction: LAST_INTERACTION },
    }),
    ticket: { subject: 'router offline', comment: { body: 'router offline' }, priority: 'high' },
  },
  servicenow: {
    contact: (id) => ({
      last_name: id,
      u_cognigy_status: 'gold',
      u_cognigy_notes: NOTES,
      u_cognigy_last_interaction: LAST_INTERACTION,
    }),
    ticket: {
      short_description: 'router offline',
      description: 'router offline',
      u_cognigy_priority: 'high',
      correlation_display: 'Cognigy.AI',
    },
  },
};

describe.each(Object.keys(CRMS_UNDER_TEST))('CRM_CONNECTOR=%s without MAPPINGS_FILE', (connector) => {
  const crm = CRMS_UNDER_TEST[connector]();
  const expected = EXPECTED[connector];
  let t: TestApp;
  beforeAll(async () => {
    await crm.start();
    t = await startWithDefaultRecords(connector, crm.env());
  });
  afterAll(async () => {
    await t?.close();
    await crm.stop();
  });

  it('delivers update_customer_profile, then log_support_ticket for that customer, to the default records', async () => {
    const customerId = unique('C');
    const contactEvent = await sendContact(
      t,
      customerId,
      { newStatus: { value: 'gold' }, notes: { value: NOTES } },
      EVENT_TIME,
    );
    await settledAs(t, [contactEvent], 'delivered');
    expect(crm.contact(customerId)).toMatchObject(expected.contact(customerId));

    // After the contact: a CRM linking the ticket to it (Dataverse) finds it by its key.
    const ticketId = unique('T');
    const ticketEvent = await sendTicket(t, ticketId, 'high', { customerId: { value: customerId } });
    await settledAs(t, [ticketEvent], 'delivered');
    expect(crm.ticket(ticketId)).toMatchObject(expected.ticket);

    // The admin view shows what was stored at ingest, rendered in the CRM's words: sent as it is on every retry.
    expect(await view(t, contactEvent)).toMatchObject({ externalId: customerId, upsert: expected.contact(customerId) });
    expect(await view(t, ticketEvent)).toMatchObject({ externalId: ticketId, upsert: expected.ticket });
  });
});
