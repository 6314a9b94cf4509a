import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { CrmRequest } from '../../client/crm-request';
import { Claimed } from '../crm-connector';

/**
 * A property value as HubSpot's batch upsert takes it: a string (the published OpenAPI spec's
 * `properties.additionalProperties` is `type: string`). Numbers and booleans are written as their
 * text, null as "" (HubSpot's empty value), objects and arrays as JSON.
 */
export function propertyValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return '';
  return JSON.stringify(value) ?? '';
}

const propertiesOf = (body: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(body).map(([name, value]) => [name, propertyValue(value)]));

/**
 * The trace id of an event's input: its event id. HubSpot answers per-input errors (207) only
 * when every input carries one, and names the input of each result and error by it.
 */
export const traceIdOf = (event: Pick<Claimed<RecordUpsert>, 'eventId'>): string => event.eventId;

/**
 * One event, or a batch of one mapping (up to the definition's maxBatchSize): `POST /crm/v3/objects/<object>/batch/upsert`, each input
 * `{idProperty, id, objectWriteTraceId, properties}` with string values.
 */
export function batchUpsertRequest(events: Array<Claimed<RecordUpsert>>): CrmRequest {
  const { object, idField } = events[0].upsert;
  const inputs = events.map((event) => ({
    idProperty: idField,
    id: event.upsert.externalId,
    objectWriteTraceId: traceIdOf(event),
    properties: propertiesOf(event.upsert.body),
  }));
  return {
    method: 'POST',
    path: `/crm/v3/objects/${encodeURIComponent(object)}/batch/upsert`,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Request-Id': events[0].requestId },
    data: JSON.stringify({ inputs }),
  };
}
