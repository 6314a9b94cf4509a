import { claimedFor } from '../crm-answer.fixture';
import { batchUpsertRequest, propertyValue } from './hubspot.requests';

/*
 * HubSpot's batch upsert input, after its published OpenAPI spec (SimplePublicObjectBatchInputUpsert:
 * id, idProperty, objectWriteTraceId strings; properties `additionalProperties: string`) and
 * https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/upsert-contacts
 */
describe('HubSpot batch upsert request', () => {
  it('each input carries its event id as objectWriteTraceId and string property values', () => {
    const first = claimedFor('contacts', 'cognigy_customer_id', 'C-1');
    const second = claimedFor('contacts', 'cognigy_customer_id', 'C-2');
    first.upsert.body = { cognigy_status: 'gold', score: 3, vip: true, gone: null, channel: { name: 'voice' } };
    const request = batchUpsertRequest([first, second]);
    expect(request).toMatchObject({ method: 'POST', path: '/crm/v3/objects/contacts/batch/upsert' });
    const { inputs } = JSON.parse(request.data!) as { inputs: Array<Record<string, unknown>> };
    expect(inputs).toEqual([
      {
        idProperty: 'cognigy_customer_id',
        id: 'C-1',
        objectWriteTraceId: first.eventId,
        properties: { cognigy_status: 'gold', score: '3', vip: 'true', gone: '', channel: '{"name":"voice"}' },
      },
      {
        idProperty: 'cognigy_customer_id',
        id: 'C-2',
        objectWriteTraceId: second.eventId,
        properties: expect.any(Object),
      },
    ]);
    for (const input of inputs) {
      expect(Object.values(input.properties as object).every((v) => typeof v === 'string')).toBe(true);
    }
  });

  it('property values: strings as they are, numbers and booleans as their text, null as empty, objects as JSON', () => {
    expect(propertyValue('0')).toBe('0');
    expect(propertyValue(0)).toBe('0');
    expect(propertyValue(-1.5)).toBe('-1.5');
    expect(propertyValue(false)).toBe('false');
    expect(propertyValue(null)).toBe('');
    expect(propertyValue(['a', 1])).toBe('["a",1]');
  });
});
