import { CrmSandbox } from '../../src/dev/sandbox/crm-sandbox';
import { DataverseFake } from './dataverse-fake';
import { HubspotFake } from './hubspot-fake';
import { SalesforceFake } from './salesforce-fake';
import { sandboxEnv } from './sandbox-env';
import { ServiceNowFake } from './servicenow-fake';
import { ZendeskFake } from './zendesk-fake';

type Fields = Record<string, unknown>;

/**
 * One connector with the CRM it talks to, for suites that run the same story through several:
 * start and stop the CRM, the variables pointing the service at it, and the contact or ticket
 * the CRM holds for an external id (as the CRM stores it; undefined when it has none).
 */
export interface CrmUnderTest {
  connector: string;
  start(): Promise<unknown>;
  stop(): Promise<void>;
  env(): Record<string, string>;
  contact(externalId: string): Fields | undefined;
  ticket(externalId: string): Fields | undefined;
}

function generic(): CrmUnderTest {
  const sandbox = new CrmSandbox({ port: 0 });
  const record = (collection: string, id: string) => sandbox.records()[collection]?.find((r) => r.external_id === id);
  return {
    connector: 'generic',
    start: () => sandbox.start(),
    stop: () => sandbox.stop(),
    env: () => sandboxEnv(sandbox),
    contact: (id) => record('contacts', id),
    ticket: (id) => record('tickets', id),
  };
}

function salesforce(): CrmUnderTest {
  const sf = new SalesforceFake('sf-app', 'sf-secret');
  return {
    connector: 'salesforce',
    start: () => sf.start(),
    stop: () => sf.stop(),
    env: () => ({ CRM_TOKEN_URL: sf.tokenUrl, CRM_CLIENT_ID: 'sf-app', CRM_CLIENT_SECRET: 'sf-secret' }),
    contact: (id) => sf.find('Contact', 'Cognigy_Customer_Id__c', id)[0],
    ticket: (id) => sf.find('Case', 'Cognigy_Ticket_Id__c', id)[0],
  };
}

function dataverse(): CrmUnderTest {
  const dv = new DataverseFake('dv-app', 'dv-secret');
  return {
    connector: 'dataverse',
    start: () => dv.start(),
    stop: () => dv.stop(),
    env: () => ({
      CRM_BASE_URL: dv.url,
      CRM_TOKEN_URL: dv.tokenUrl,
      CRM_CLIENT_ID: 'dv-app',
      CRM_CLIENT_SECRET: 'dv-secret',
    }),
    contact: (id) => dv.row('contacts', id),
    ticket: (id) => dv.row('incidents', id),
  };
}

function hubspot(): CrmUnderTest {
  const hs = new HubspotFake('pat-defaults');
  return {
    connector: 'hubspot',
    start: () => hs.start(),
    stop: () => hs.stop(),
    env: () => ({ CRM_BASE_URL: hs.url, CRM_ACCESS_TOKEN: 'pat-defaults' }),
    contact: (id) => hs.record('contacts', id)?.properties,
    ticket: (id) => hs.record('tickets', id)?.properties,
  };
}

function zendesk(): CrmUnderTest {
  const zd = new ZendeskFake('agent@example.com/token', 'zd-token');
  return {
    connector: 'zendesk',
    start: () => zd.start(),
    stop: () => zd.stop(),
    env: () => ({
      CRM_BASE_URL: zd.url,
      CRM_AUTH: 'basic',
      CRM_BASIC_USER: 'agent@example.com/token',
      CRM_BASIC_PASSWORD: 'zd-token',
    }),
    contact: (id) => zd.users.get(id),
    ticket: (id) => zd.ticketsWith(id)[0],
  };
}

function servicenow(): CrmUnderTest {
  const sn = new ServiceNowFake({ client: { id: 'sn-app', secret: 'sn-secret' } });
  return {
    connector: 'servicenow',
    start: () => sn.start(),
    stop: () => sn.stop(),
    env: () => ({
      CRM_BASE_URL: sn.url,
      CRM_TOKEN_URL: sn.tokenUrl,
      CRM_CLIENT_ID: 'sn-app',
      CRM_CLIENT_SECRET: 'sn-secret',
    }),
    contact: (id) => sn.find('customer_contact', 'u_cognigy_customer_id', id)[0],
    ticket: (id) => sn.find('incident', 'correlation_id', id)[0],
  };
}

/** Each connector with a fresh CRM of its own, by CRM_CONNECTOR name. */
export const CRMS_UNDER_TEST: Record<string, () => CrmUnderTest> = {
  generic,
  salesforce,
  dataverse,
  hubspot,
  zendesk,
  servicenow,
};
