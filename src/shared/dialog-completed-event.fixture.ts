import { DialogCompletedEvent, EventEntity } from './dialog-completed-event';

/** A normalised event as the webhook module hands it to the mapping (the documented sample dialog). */
export function dialogEvent(overrides: Partial<DialogCompletedEvent> = {}): DialogCompletedEvent {
  return {
    eventId: 'evt-1',
    source: 'dialog-complete',
    conversationId: 'conv-8f2c',
    botId: 'bot-support-eu',
    status: 'completed',
    intent: 'update_customer_profile',
    entities: {},
    timestamp: '2026-11-26T10:00:00Z',
    metadata: {},
    ...overrides,
  };
}

/** Entities from `{ name: value }` or `{ name: [value, confidence] }`. */
export function entities(spec: Record<string, string | [string, number]>): Record<string, EventEntity> {
  return Object.fromEntries(
    Object.entries(spec).map(([name, v]) =>
      Array.isArray(v) ? [name, { value: v[0], confidence: v[1] }] : [name, { value: v, confidence: 0.9 }],
    ),
  );
}
