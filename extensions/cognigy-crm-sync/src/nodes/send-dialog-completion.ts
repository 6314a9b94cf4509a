import { createNodeDescriptor, INodeFunctionBaseParams } from '@cognigy/extension-tools';
import { isPlainObject } from '../completion-body';
import { API_KEY_CONNECTION, BASIC_CONNECTION, HMAC_CONNECTION } from '../connections/service-connections';
import {
  contextKeyOf,
  DEFAULT_ATTEMPT_TIMEOUT_MS,
  DEFAULT_BUDGET_MS,
  DEFAULT_CONTEXT_KEY,
  MAX_BUDGET_MS,
} from '../node-config';
import { sendCompletion } from '../send-completion';
import { SendResult } from '../send-result';

const connectionField = (key: string, label: string, connectionType: string, mode: string) => ({
  key,
  label,
  type: 'connection' as const,
  params: { connectionType, required: true },
  condition: { key: 'authType', value: mode },
});

/**
 * "Send dialog completion": posts the dialog's outcome to the cognigy-crm-sync service and stores
 * the answer (`status`, `eventId`) in the context under the chosen key.
 */
export const sendDialogCompletionNode = createNodeDescriptor({
  type: 'sendDialogCompletion',
  defaultLabel: 'Send dialog completion',
  summary: 'Sends the dialog outcome to the CRM sync service (signed or with Basic / X-API-Key)',
  tags: ['service'],
  fields: [
    {
      key: 'authType',
      label: 'Authentication',
      type: 'select',
      defaultValue: 'hmac',
      description: "Match one of the service's WEBHOOK_AUTH_MODES",
      params: {
        required: true,
        options: [
          { label: 'Signed: HMAC-SHA256 (hmac)', value: 'hmac' },
          { label: 'Basic Auth (basic)', value: 'basic' },
          { label: 'X-API-Key (apikey)', value: 'apikey' },
        ],
      },
    },
    connectionField('hmacConnection', 'Service URL and signing secret', HMAC_CONNECTION, 'hmac'),
    connectionField('basicConnection', 'Service URL, user and password', BASIC_CONNECTION, 'basic'),
    connectionField('apiKeyConnection', 'Service URL and API key', API_KEY_CONNECTION, 'apikey'),
    {
      key: 'intent',
      label: 'Intent',
      type: 'cognigyText',
      description: "The dialog's outcome as the service's mappings name it, e.g. update_customer_profile",
      params: { required: true },
    },
    {
      key: 'entities',
      label: 'Entities',
      type: 'json',
      description:
        'Entity name -> value ({{context.x}}), or -> {"value": ..., "confidence": ...}. Entities the flow did not collect are left out.',
      defaultValue: { customerId: '{{context.customerId}}' },
    },
    {
      key: 'conversationId',
      label: 'Conversation ID',
      type: 'cognigyText',
      defaultValue: '{{input.sessionId}}',
      params: { required: true },
    },
    {
      key: 'botId',
      label: 'Bot ID',
      type: 'cognigyText',
      defaultValue: '{{input.flowName}}',
      params: { required: true },
    },
    { key: 'status', label: 'Status', type: 'cognigyText', defaultValue: 'completed', params: { required: true } },
    {
      key: 'eventTime',
      label: 'Event time',
      type: 'cognigyText',
      description: 'ISO-8601; empty: when this node runs',
    },
    {
      key: 'metadata',
      label: 'Metadata',
      type: 'json',
      defaultValue: { channel: '{{input.channel}}', locale: '{{input.language}}' },
    },
    {
      key: 'idempotencyScope',
      label: 'Idempotency scope',
      type: 'cognigyText',
      description:
        'Empty: one event per conversation and intent. Set it (e.g. a ticket number) when one conversation may complete the same intent twice.',
    },
    {
      key: 'contextKey',
      label: 'Context key to store the answer',
      type: 'cognigyText',
      defaultValue: DEFAULT_CONTEXT_KEY,
      params: { required: true },
    },
    {
      key: 'timeBudgetMs',
      label: 'Time budget (ms), retries included',
      type: 'number',
      defaultValue: DEFAULT_BUDGET_MS,
      description: `At most ${MAX_BUDGET_MS}: Cognigy ends an Extension node after 20 s by default`,
    },
    {
      key: 'attemptTimeoutMs',
      label: 'Timeout per attempt (ms)',
      type: 'number',
      defaultValue: DEFAULT_ATTEMPT_TIMEOUT_MS,
    },
  ],
  sections: [
    {
      key: 'event',
      label: 'Event details',
      defaultCollapsed: true,
      fields: ['conversationId', 'botId', 'status', 'eventTime', 'metadata', 'idempotencyScope'],
    },
    { key: 'storage', label: 'Storage', defaultCollapsed: false, fields: ['contextKey'] },
    { key: 'delivery', label: 'Retries', defaultCollapsed: true, fields: ['timeBudgetMs', 'attemptTimeoutMs'] },
  ],
  form: [
    { type: 'field', key: 'authType' },
    { type: 'field', key: 'hmacConnection' },
    { type: 'field', key: 'basicConnection' },
    { type: 'field', key: 'apiKeyConnection' },
    { type: 'field', key: 'intent' },
    { type: 'field', key: 'entities' },
    { type: 'section', key: 'event' },
    { type: 'section', key: 'storage' },
    { type: 'section', key: 'delivery' },
  ],
  appearance: { color: '#1f5f8b' },
  function: async ({ cognigy, config }: INodeFunctionBaseParams) => {
    const fields = isPlainObject(config) ? config : {};
    const key = contextKeyOf(fields);
    let result: SendResult;
    try {
      result = await sendCompletion(fields);
    } catch (error) {
      // The node never throws: a flow continues with the error in the context, as with any answer.
      result = {
        status: 'error',
        attempts: 0,
        error: `Internal error: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    cognigy.api.addToContext?.(key, result, 'simple');
    if (result.status === 'error') cognigy.api.log?.('error', `Send dialog completion: ${result.error}`);
  },
});
