/** One entity as extracted by the Cognigy flow, value normalised to a string. */
export interface EventEntity {
  value: string;
  confidence: number;
}

export type EventSource = 'dialog-complete' | 'endpoint-output';

/** The single normalised shape both webhook formats are turned into. */
export interface DialogCompletedEvent {
  eventId: string;
  source: EventSource;
  conversationId: string;
  botId: string;
  status: string;
  intent: string;
  entities: Record<string, EventEntity>;
  /** The event time exactly as received (used for the derived event id). */
  timestamp: string;
  metadata: Record<string, unknown>;
}

/**
 * What one event asks of the CRM, fixed at ingest so every retry sends identical bytes. For the
 * generic connector `body` is the request body; for the others it holds the record's fields.
 */
export interface CrmUpsert {
  intent: string;
  objectType: string;
  method: 'POST';
  /** The generic connector's request path. */
  path?: string;
  /** The CRM object (an sObject, an entity set, an object type, a resource: the connector's word for it). */
  object?: string;
  /** The CRM field holding the external id (an external-id field, an alternate key...). */
  idField?: string;
  externalId: string;
  body: Record<string, unknown>;
}
