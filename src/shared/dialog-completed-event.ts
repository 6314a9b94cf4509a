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

interface UpsertCommon {
  intent: string;
  /** The logical name: metrics label and, with the record key (recordKeyOf), the per-record order key. */
  objectType: string;
  externalId: string;
  /**
   * The per-record order key, when it is not `externalId` itself: the external id case-folded for
   * a CRM that matches ids case-insensitively (`C-1` and `c-1` are one record there). Set at
   * ingest from the connector's rule; rows stored before it have none (their key is the id).
   */
  recordKey?: string;
  /** The request body (path upserts), or the record's fields, `/` already nested (record upserts). */
  body: Record<string, unknown>;
}

/** An upsert sent as it is: `method` to `path` with `body` (a connector mapping to paths). */
export interface PathUpsert extends UpsertCommon {
  method: 'POST';
  path: string;
}

/**
 * An upsert of one CRM record by its external id (a connector mapping to records): the connector
 * renders the request (method, URL, where the id goes), so none is stored. Rows stored before
 * this type also carry `method: 'POST'`, which nothing reads.
 */
export interface RecordUpsert extends UpsertCommon {
  /** The CRM object (an sObject, an entity set, an object type, a resource: the connector's word for it). */
  object: string;
  /** The CRM field holding the external id (an external-id field, an alternate key...). */
  idField: string;
}

/** What one event asks of the CRM, fixed at ingest so every retry sends identical bytes. */
export type CrmUpsert = PathUpsert | RecordUpsert;

/** Whether `upsert` names a CRM record (else a request path); stored rows of both releases tell by `object`. */
export const isRecordUpsert = (upsert: CrmUpsert): upsert is RecordUpsert => 'object' in upsert;

/** The record an upsert is ordered by (with its object type): events of one key go one at a time, in event-time order. */
export const recordKeyOf = (upsert: Pick<CrmUpsert, 'externalId' | 'recordKey'>): string =>
  upsert.recordKey ?? upsert.externalId;
