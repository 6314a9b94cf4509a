import { PathUpsert } from '../../../shared/dialog-completed-event';
import { CrmRequest } from '../../client/crm-request';
import { Claimed, idempotencyKey } from '../crm-connector';

/** The stored method (POST) to the mapping's path with the mapped body, and an Idempotency-Key. */
export function genericUpsertRequest(event: Claimed<PathUpsert>): CrmRequest {
  const { upsert } = event;
  return {
    method: upsert.method,
    path: upsert.path,
    data: JSON.stringify(upsert.body),
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'Idempotency-Key': idempotencyKey(event),
      'X-Request-Id': event.requestId,
    },
  };
}
