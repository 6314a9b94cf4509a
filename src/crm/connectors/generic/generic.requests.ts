import { ClaimedEvent } from '../../../queue/stored-event';
import { CrmRequest } from '../../client/crm-request';
import { idempotencyKey } from '../crm-connector';

/** One POST of the mapped body to the mapping's path, with an Idempotency-Key. */
export function genericUpsertRequest(event: ClaimedEvent): CrmRequest {
  const { upsert } = event;
  return {
    method: upsert.method,
    path: upsert.path as string,
    data: JSON.stringify(upsert.body),
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'Idempotency-Key': idempotencyKey(event),
      'X-Request-Id': event.requestId,
    },
  };
}
