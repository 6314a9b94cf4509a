import { Client as HubspotClient } from '@hubspot/api-client';
import { Connection } from 'jsforce';
import { createClient } from 'node-zendesk';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { CrmRequest } from '../src/crm/client/crm-request';
import { claimedFor } from '../src/crm/connectors/crm-answer.fixture';
import { batchUpsertRequest } from '../src/crm/connectors/hubspot/hubspot.requests';
import { upsertManyRequest, upsertOneRequest } from '../src/crm/connectors/salesforce/salesforce.requests';
import { ticketWriteRequest, userUpsertRequest } from '../src/crm/connectors/zendesk/zendesk.requests';

/**
 * The vendors' own npm clients (@hubspot/api-client, jsforce, node-zendesk) make the operations
 * our connectors make, against a local server that records what they send and answers each with
 * a documented success; what they send is compared with the requests our connectors build for the
 * same records. Where we differ on purpose, the test says so.
 */

interface Captured {
  method: string;
  path: string;
  contentType: string | undefined;
  body: unknown;
}

class CapturingServer {
  readonly captured: Captured[] = [];
  private readonly server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      this.captured.push({
        method: req.method ?? '',
        path,
        contentType: req.headers['content-type'],
        body: raw === '' ? undefined : JSON.parse(raw),
      });
      const ok = path.includes('/composite/') || path.includes('/batch/') ? 200 : 201;
      res.writeHead(ok, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answerFor(path)));
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<unknown> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(resolve));
  }

  /** What the last request carried. */
  last(): Captured {
    return this.captured[this.captured.length - 1];
  }
}

/** A documented success for each operation, so the clients resolve. */
function answerFor(path: string): unknown {
  const now = '2026-11-26T10:00:00.000Z';
  if (path.includes('/batch/upsert')) return { status: 'COMPLETE', results: [], startedAt: now, completedAt: now };
  if (path.includes('/composite/sobjects/')) return [{ id: '003000000000001AAA', success: true, errors: [] }];
  if (path.includes('/sobjects/')) return { id: '003000000000001AAA', success: true, errors: [], created: true };
  if (path.includes('/tickets')) return { ticket: { id: 5 } };
  return { user: { id: 7 } };
}

/** Ours, as the other side sees it. */
const ours = (request: CrmRequest) => ({
  method: request.method,
  path: request.path,
  contentType: request.headers['Content-Type'],
  body: request.data === undefined ? undefined : (JSON.parse(request.data) as unknown),
});

const server = new CapturingServer();
beforeAll(() => server.start());
afterAll(() => server.stop());

describe('@hubspot/api-client 13.5', () => {
  it('batch upsert of contacts: the same method, path and body as ours', async () => {
    const event = claimedFor('contacts', 'cognigy_customer_id', 'C-1001');
    event.upsert.body = { cognigy_status: 'gold', cognigy_last_interaction: '2026-11-26T10:00:00.000Z' };
    const request = batchUpsertRequest([event]);
    const client = new HubspotClient({ accessToken: 'pat-na1-capture', basePath: server.url });
    const { inputs } = JSON.parse(request.data!) as Parameters<typeof client.crm.contacts.batchApi.upsert>[0];
    await client.crm.contacts.batchApi.upsert({ inputs });
    expect(server.last()).toEqual({ ...ours(request), contentType: 'application/json' });
  });
});

describe('jsforce 3.10', () => {
  const api = '/services/data/v62.0';
  const connection = () => new Connection({ instanceUrl: server.url, accessToken: 'sf-capture', version: '62.0' });

  it('upsert of one record by external id: the same PATCH of the record URL and the fields', async () => {
    const event = claimedFor('Contact', 'Cognigy_Customer_Id__c', 'C-1001');
    event.upsert.body = { LastName: 'C-1001', Status__c: 'gold' };
    const request = upsertOneRequest(api, event);
    await connection()
      .sobject('Contact')
      .upsert({ Cognigy_Customer_Id__c: 'C-1001', ...event.upsert.body }, 'Cognigy_Customer_Id__c');
    expect(server.last()).toEqual(ours(request));
  });

  it('upsert of several records: the same sObject collection upsert (allOrNone false)', async () => {
    const events = ['C-1', 'C-2'].map((id) => claimedFor('Contact', 'Cognigy_Customer_Id__c', id));
    for (const event of events) event.upsert.body = { LastName: event.upsert.externalId };
    const request = upsertManyRequest(api, events);
    const records = events.map(({ upsert }) => ({ Cognigy_Customer_Id__c: upsert.externalId, ...upsert.body }));
    await connection().sobject('Contact').upsert(records, 'Cognigy_Customer_Id__c', { allOrNone: false });
    expect(server.last()).toEqual(ours(request));
  });

  it('differs on purpose for an id ending like a file name: jsforce puts it in the URL (documented 404), we use the body', async () => {
    await connection()
      .sobject('Contact')
      .upsert({ Cognigy_Customer_Id__c: 'jane@example.inc' }, 'Cognigy_Customer_Id__c');
    expect(server.last().path).toBe(`${api}/sobjects/Contact/Cognigy_Customer_Id__c/jane@example.inc`);
    const event = claimedFor('Contact', 'Cognigy_Customer_Id__c', 'jane@example.inc');
    expect(() => upsertOneRequest(api, event)).toThrow('this external id cannot go in a record URL');
  });
});

describe('node-zendesk 6.0', () => {
  const client = () =>
    createClient({ username: 'agent@example.com', token: 'zd-capture', endpointUri: `${server.url}/api/v2` });
  /** node-zendesk names its paths with `.json`, which Zendesk also accepts; ours go without. */
  const withoutJsonSuffix = (captured: Captured) => ({ ...captured, path: captured.path.replace(/\.json$/, '') });

  it('create or update a user by external_id: the same POST and body', async () => {
    const event = claimedFor('users', 'external_id', 'C-1001');
    event.upsert.body = { name: 'C-1001', user_fields: { cognigy_status: 'gold' } };
    const request = userUpsertRequest(event);
    await client().users.createOrUpdate(JSON.parse(request.data!) as { user: object });
    expect(withoutJsonSuffix(server.last())).toEqual(ours(request));
  });

  it('create a ticket, then update it by id: the same POST and PUT and bodies (ours adds an Idempotency-Key)', async () => {
    const event = claimedFor('tickets', 'external_id', 'T-1');
    event.upsert.body = { subject: 'router offline', comment: { body: 'router offline' }, priority: 'high' };
    const create = ticketWriteRequest(event, undefined);
    await client().tickets.create(JSON.parse(create.data!) as { ticket: object });
    expect(withoutJsonSuffix(server.last())).toEqual(ours(create));
    expect(create.headers['Idempotency-Key']).toBe(`cognigy-${event.eventId}`);

    const update = ticketWriteRequest(event, 5);
    await client().tickets.update(5, JSON.parse(update.data!) as { ticket: object });
    expect(withoutJsonSuffix(server.last())).toEqual(ours(update));
  });
});
