/** The documented sample bodies: the OpenAPI examples, and the unit fixtures start from them. */

export const DIALOG_COMPLETE_EXAMPLE = {
  conversationId: 'conv-8f2c',
  botId: 'bot-support-eu',
  status: 'completed',
  intent: 'update_customer_profile',
  entities: { customerId: { value: 'C-1001', confidence: 0.98 }, newStatus: { value: 'gold', confidence: 0.91 } },
  timestamp: '2026-11-26T10:00:00Z',
  metadata: { channel: 'voice' },
};

export const ENDPOINT_OUTPUT_EXAMPLE = {
  userId: 'user123',
  sessionId: 'session123',
  AIOutput: {
    text: 'Your ticket is logged.',
    data: {
      intent: 'log_support_ticket',
      entities: { ticketId: { value: 'T-77' } },
      status: 'completed',
      timestamp: '2026-11-26T10:00:00Z',
      botId: 'bot-1',
    },
    traceId: 'endpoint-httpIncomingMessage-83b5',
    source: 'bot',
  },
};
