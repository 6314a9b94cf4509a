import { createExtension } from '@cognigy/extension-tools';
import { apiKeyConnection, basicConnection, hmacConnection } from './connections/service-connections';
import { sendDialogCompletionNode } from './nodes/send-dialog-completion';

/** What Cognigy loads from build/module.js (package.json `main`) after the upload. */
export default createExtension({
  nodes: [sendDialogCompletionNode],
  connections: [hmacConnection, basicConnection, apiKeyConnection],
  options: { label: 'CRM Sync' },
});
