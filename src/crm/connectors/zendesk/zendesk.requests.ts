import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { CrmRequest } from '../../client/crm-request';
import { Claimed, idempotencyKey } from '../crm-connector';

const jsonHeaders = (requestId: string) => ({
  'Content-Type': 'application/json',
  Accept: 'application/json',
  'X-Request-Id': requestId,
});

/** `POST /api/v2/users/create_or_update`: an upsert by external_id. */
export function userUpsertRequest({ upsert, requestId }: Claimed<RecordUpsert>): CrmRequest {
  return {
    method: 'POST',
    path: '/api/v2/users/create_or_update',
    headers: jsonHeaders(requestId),
    data: JSON.stringify({ user: { ...upsert.body, external_id: upsert.externalId } }),
  };
}

/** `GET /api/v2/tickets?external_id=`: the tickets carrying the event's external id. */
export function ticketLookupRequest({ upsert, requestId }: Claimed<RecordUpsert>): CrmRequest {
  return {
    method: 'GET',
    path: `/api/v2/tickets?external_id=${encodeURIComponent(upsert.externalId)}`,
    headers: jsonHeaders(requestId),
  };
}

/** `PUT /api/v2/tickets/<existing>`, or when none has the external id `POST /api/v2/tickets` with an Idempotency-Key. */
export function ticketWriteRequest(event: Claimed<RecordUpsert>, existing: number | undefined): CrmRequest {
  const { upsert, requestId } = event;
  if (existing === undefined) {
    return {
      method: 'POST',
      path: '/api/v2/tickets',
      headers: { ...jsonHeaders(requestId), 'Idempotency-Key': idempotencyKey(event) },
      data: JSON.stringify({ ticket: { ...upsert.body, external_id: upsert.externalId } }),
    };
  }
  // The lookup's judging checked it is a ticket number; a path takes nothing else.
  if (!Number.isSafeInteger(existing) || existing <= 0) throw new Error('a ticket id must be a positive integer');
  return {
    method: 'PUT',
    path: `/api/v2/tickets/${existing}`,
    headers: jsonHeaders(requestId),
    data: JSON.stringify({ ticket: upsert.body }),
  };
}
