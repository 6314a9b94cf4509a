import { BARE_CONTACT, BARE_TICKET, FULL_CONTACT, FULL_TICKET, renderedBuiltIn } from '../record-change.fixture';
import { hubspotRendering } from './hubspot.records';

describe('HubSpot default records', () => {
  it('renders the contact change onto contacts by the unique property cognigy_customer_id', () => {
    expect(renderedBuiltIn(hubspotRendering, FULL_CONTACT)).toEqual({
      intent: 'update_customer_profile',
      objectType: 'contact',
      externalId: 'C-1001',
      object: 'contacts',
      idField: 'cognigy_customer_id',
      body: {
        cognigy_status: 'gold',
        cognigy_notes: 'asked for a callback',
        cognigy_last_interaction: '2026-11-26T10:00:00.000Z',
      },
    });
  });

  it("renders the ticket change onto tickets by cognigy_ticket_id, in the default pipeline's first stage", () => {
    expect(renderedBuiltIn(hubspotRendering, FULL_TICKET)).toEqual({
      intent: 'log_support_ticket',
      objectType: 'ticket',
      externalId: 'T-77',
      object: 'tickets',
      idField: 'cognigy_ticket_id',
      body: {
        subject: 'printer on fire',
        content: 'printer on fire',
        cognigy_priority: 'high',
        hs_pipeline: '0',
        hs_pipeline_stage: '1',
      },
    });
  });

  it('leaves absent values out; every value written is a string', () => {
    expect(renderedBuiltIn(hubspotRendering, BARE_CONTACT).body).toEqual({
      cognigy_last_interaction: '2026-11-26T10:00:00.000Z',
    });
    const ticket = renderedBuiltIn(hubspotRendering, BARE_TICKET).body;
    expect(ticket).toEqual({ hs_pipeline: '0', hs_pipeline_stage: '1' });
    const full = renderedBuiltIn(hubspotRendering, FULL_TICKET).body;
    expect(Object.values(full).every((value) => typeof value === 'string')).toBe(true);
  });
});
