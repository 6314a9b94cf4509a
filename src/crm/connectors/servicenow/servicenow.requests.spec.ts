import { claimedFor } from '../crm-answer.fixture';
import { lookupRequest, writeRequest } from './servicenow.requests';

/*
 * The Table API requests (GET with sysparm_query, sysparm_limit and sysparm_fields; PATCH by sys_id;
 * POST one record; Accept on every request, Content-Type with a body):
 *   https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html
 *   https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/c_RESTAPI.html (data format headers)
 */
describe('ServiceNow Table API requests', () => {
  const event = claimedFor('incident', 'correlation_id', 'T-1001 ^ORactive=true');
  event.upsert.body = { short_description: 'router offline', correlation_display: 'Cognigy.AI' };

  it('looks the record up by the correlation field, ^ doubled, two records at most, sys_id and the field read back', () => {
    expect(lookupRequest(event)).toEqual({
      method: 'GET',
      path: '/api/now/table/incident?sysparm_query=correlation_id%3DT-1001%20%5E%5EORactive%3Dtrue&sysparm_limit=2&sysparm_fields=sys_id%2Ccorrelation_id',
      headers: { Accept: 'application/json', 'X-Request-Id': event.requestId },
    });
  });

  it('creates with POST, the id in the body', () => {
    const request = writeRequest(event, undefined);
    expect(request).toMatchObject({
      method: 'POST',
      path: '/api/now/table/incident?sysparm_fields=sys_id',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    });
    expect(JSON.parse(request.data!)).toEqual({ ...event.upsert.body, correlation_id: 'T-1001 ^ORactive=true' });
  });

  it('updates the one record found with PATCH by its sys_id, the fields alone', () => {
    const request = writeRequest(event, 'ef43c6d40a0a0b5700c77f9bf387afe3');
    expect(request).toMatchObject({
      method: 'PATCH',
      path: '/api/now/table/incident/ef43c6d40a0a0b5700c77f9bf387afe3?sysparm_fields=sys_id',
    });
    expect(JSON.parse(request.data!)).toEqual(event.upsert.body);
  });

  it('puts nothing but a sys_id, a table and a column name into a path', () => {
    expect(() => writeRequest(event, '../sys_user/6816f79cc0a8016401c5a33be04be441')).toThrow(/32 hexadecimal/);
    expect(() => lookupRequest(claimedFor('incident/../sys_user', 'correlation_id', 'T-1'))).toThrow(/table name/);
    expect(() => lookupRequest(claimedFor('incident', 'correlation_id^ORactive', 'T-1'))).toThrow(/column name/);
  });
});
