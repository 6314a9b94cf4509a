import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { CrmRequest } from '../../client/crm-request';
import { Claimed } from '../crm-connector';

/** One event, or a batch of one mapping (up to the definition's maxBatchSize): `POST /crm/v3/objects/<object>/batch/upsert`, idProperty = idField. */
export function batchUpsertRequest(events: Array<Claimed<RecordUpsert>>): CrmRequest {
  const { object, idField } = events[0].upsert;
  const inputs = events.map(({ upsert }) => ({
    idProperty: idField,
    id: upsert.externalId,
    properties: upsert.body,
  }));
  return {
    method: 'POST',
    path: `/crm/v3/objects/${object}/batch/upsert`,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Request-Id': events[0].requestId },
    data: JSON.stringify({ inputs }),
  };
}
