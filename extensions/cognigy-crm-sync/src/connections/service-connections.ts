import { IConnectionSchema } from '@cognigy/extension-tools';

/**
 * The three ways the service accepts a completion (its WEBHOOK_AUTH_MODES `hmac`, `basic`,
 * `apikey`), one Connection type each, so the credentials live encrypted in Cognigy's Connection
 * store and never in a node field or the flow's context.
 */

export const HMAC_CONNECTION = 'cognigy-crm-sync-hmac';
export const BASIC_CONNECTION = 'cognigy-crm-sync-basic';
export const API_KEY_CONNECTION = 'cognigy-crm-sync-apikey';

export const hmacConnection: IConnectionSchema = {
  type: HMAC_CONNECTION,
  label: 'CRM Sync service: signing secret (hmac)',
  fields: [{ fieldName: 'serviceUrl' }, { fieldName: 'secret' }],
};

export const basicConnection: IConnectionSchema = {
  type: BASIC_CONNECTION,
  label: 'CRM Sync service: Basic Auth (basic)',
  fields: [{ fieldName: 'serviceUrl' }, { fieldName: 'username' }, { fieldName: 'password' }],
};

export const apiKeyConnection: IConnectionSchema = {
  type: API_KEY_CONNECTION,
  label: 'CRM Sync service: X-API-Key (apikey)',
  fields: [{ fieldName: 'serviceUrl' }, { fieldName: 'apiKey' }],
};
