import { Module } from '@nestjs/common';
import { CONNECTOR_SECRET, sendContact, settledAs, startWithDefaultRecords, view } from './support/connector-app';
import { CRMS_UNDER_TEST } from './support/connector-fakes';
import { EscalateComplaintStrategy } from './support/escalate-complaint.strategy';
import { TestApp } from './support/test-app';
import { DIALOG_ROUTE, freshDialog, postSigned, sendAccepted, unique } from './support/webhook-cases';

/**
 * A strategy written as code (docs/mappings.md, "A strategy in code"), added to the application as
 * a module of its own, works with any connector: its CRM-neutral ticket change is rendered onto
 * each connector's default ticket record. Run against three CRMs of different shapes: Salesforce (a
 * Case upserted by external id), Zendesk (a ticket found by external_id, then created) and
 * ServiceNow (an incident found by correlation_id through the Table API, then created).
 */

@Module({ providers: [EscalateComplaintStrategy] })
class ComplaintsModule {}

const complaint = (complaintId: string, customerId: string, sentiment: number) =>
  freshDialog({
    intent: 'escalate_complaint',
    entities: {
      complaintId: { value: complaintId },
      complaint: { value: 'billed twice' },
      customerId: { value: customerId },
    },
    metadata: { sentiment },
  });

/** Where each CRM keeps a ticket's priority and description. */
const TICKET_FIELDS: Record<string, (priority: string) => object> = {
  salesforce: (priority) => ({ Priority: priority, Subject: 'billed twice', Description: 'billed twice' }),
  zendesk: (priority) => ({ priority, subject: 'billed twice', comment: { body: 'billed twice' } }),
  servicenow: (priority) => ({
    u_cognigy_priority: priority,
    short_description: 'billed twice',
    description: 'billed twice',
  }),
};

describe.each(Object.keys(TICKET_FIELDS))('a custom strategy with CRM_CONNECTOR=%s', (connector) => {
  const crm = CRMS_UNDER_TEST[connector]();
  let t: TestApp;
  beforeAll(async () => {
    await crm.start();
    t = await startWithDefaultRecords(connector, crm.env(), [ComplaintsModule]);
  });
  afterAll(async () => {
    await t?.close();
    await crm.stop();
  });

  it("delivers its intent to the connector's ticket record, the priority chosen by the code", async () => {
    const customerId = unique('C');
    await settledAs(t, [await sendContact(t, customerId)], 'delivered');
    const [angry, calm] = [unique('CMP'), unique('CMP')];
    const events = [
      await sendAccepted(t, CONNECTOR_SECRET, complaint(angry, customerId, -0.8)),
      await sendAccepted(t, CONNECTOR_SECRET, complaint(calm, customerId, 0.3)),
    ];
    await settledAs(t, events, 'delivered');
    expect(crm.ticket(angry)).toMatchObject(TICKET_FIELDS[connector]('urgent'));
    expect(crm.ticket(calm)).toMatchObject(TICKET_FIELDS[connector]('normal'));
    expect(await view(t, events[0])).toMatchObject({ intent: 'escalate_complaint', objectType: 'ticket' });
  });

  it('refuses an event without its id entity with 422, as a built-in strategy does', async () => {
    const res = await postSigned(t, CONNECTOR_SECRET, DIALOG_ROUTE, complaint('', unique('C'), 0));
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('Missing required entity: complaintId');
  });
});
