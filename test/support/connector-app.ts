import { join } from 'node:path';
import { ModuleImport } from '../../src/app.module';
import request from 'supertest';
import { EventView, eventView, waitForState } from './admin-api';
import { parseSamples, sum } from './prometheus-text';
import { startTestApp, TestApp } from './test-app';
import { contactDialog, Entities, sendAccepted, ticketDialog } from './webhook-cases';

export const CONNECTOR_SECRET = 'connector-webhook-secret';
export const CONNECTOR_ADMIN = 'connector-admin-token';

/** The shipped example mapping of a connector: the tests load exactly these files. */
export const exampleMapping = (connector: string) =>
  join(__dirname, '..', '..', 'mappings', `${connector}.example.json`);

/**
 * The real app delivering through `connector` with its example mapping, quick retries and a
 * breaker that does not open unless a test asks (CRM_BREAKER_THRESHOLD in `env`).
 */
export function startConnectorApp(connector: string, env: Record<string, string>): Promise<TestApp> {
  return startTestApp({ ...connectorEnv(connector), MAPPINGS_FILE: exampleMapping(connector), ...env });
}

/**
 * As `startConnectorApp`, without a MAPPINGS_FILE: strategies' changes go to the connector's
 * default records. `added` modules (their own strategies) are imported besides the app's.
 */
export function startWithDefaultRecords(
  connector: string,
  env: Record<string, string>,
  added: ModuleImport[] = [],
): Promise<TestApp> {
  return startTestApp({ ...connectorEnv(connector), ...env }, added);
}

function connectorEnv(connector: string): Record<string, string> {
  return {
    CRM_CONNECTOR: connector,
    COGNIGY_WEBHOOK_SECRETS: CONNECTOR_SECRET,
    ADMIN_TOKEN: CONNECTOR_ADMIN,
    CRM_RETRY_BASE_MS: '10',
    CRM_RETRY_MAX_MS: '40',
    CRM_BREAKER_THRESHOLD: '1000',
    CRM_BREAKER_COOLDOWN_MS: '30000',
    CRM_TIMEOUT_MS: '5000',
  };
}

/** A signed update_customer_profile for `customerId`; resolves with the event id. */
export const sendContact = (
  t: TestApp,
  customerId: string,
  more: Entities = { newStatus: { value: 'gold' } },
  overrides = {},
) => sendAccepted(t, CONNECTOR_SECRET, contactDialog(customerId, more, overrides));

/** A signed log_support_ticket for `ticketId`, `more` adding entities; resolves with the event id. */
export const sendTicket = (t: TestApp, ticketId: string, priority = 'high', more: Entities = {}) =>
  sendAccepted(t, CONNECTOR_SECRET, ticketDialog(ticketId, priority, {}, more));

export const view = (t: TestApp, eventId: string): Promise<EventView> => eventView(t, CONNECTOR_ADMIN, eventId);

/** Waits until every event is in `state` (admin API); resolves with their views. */
export const settledAs = (t: TestApp, eventIds: string[], state: string) =>
  waitForState(t, CONNECTOR_ADMIN, eventIds, state);

/** crm_upserts_total{object, result} as /metrics shows it now. */
export async function upsertsCounted(t: TestApp, object: string, result: string): Promise<number> {
  const res = await request(t.server).get('/metrics');
  return sum(parseSamples(res.text), 'crm_upserts_total', { object, result });
}
