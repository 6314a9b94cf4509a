/** The documented dialog-completion sample, as the raw JSON body a Cognigy flow posts. */
export function sampleDialog(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    conversationId: 'conv-8f2c',
    botId: 'bot-support-eu',
    status: 'completed',
    intent: 'update_customer_profile',
    entities: {
      customerId: { value: 'C-1001', confidence: 0.98 },
      newStatus: { value: 'gold', confidence: 0.91 },
    },
    timestamp: '2026-11-26T10:00:00Z',
    metadata: { channel: 'voice' },
    ...overrides,
  };
}
