import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { CrmRequest } from '../../client/crm-request';
import { Claimed } from '../crm-connector';

const jsonHeaders = (requestId: string) => ({
  'Content-Type': 'application/json',
  Accept: 'application/json',
  'X-Request-Id': requestId,
});

/** `PATCH <api>/sobjects/<object>/<idField>/<url-encoded id>` with the fields: an upsert by external id. */
export function upsertOneRequest(api: string, { upsert, requestId }: Claimed<RecordUpsert>): CrmRequest {
  const { object, idField, externalId, body } = upsert;
  return {
    method: 'PATCH',
    path: `${api}/sobjects/${object}/${idField}/${encodeURIComponent(externalId)}`,
    headers: jsonHeaders(requestId),
    data: JSON.stringify(body),
  };
}

/** Up to 200 records of one mapping in one sObject collection upsert, allOrNone false. */
export function upsertManyRequest(api: string, events: Array<Claimed<RecordUpsert>>): CrmRequest {
  const { object, idField } = events[0].upsert;
  const records = events.map(({ upsert }) => ({
    attributes: { type: object },
    ...upsert.body,
    [idField]: upsert.externalId,
  }));
  return {
    method: 'PATCH',
    path: `${api}/composite/sobjects/${object}/${idField}`,
    headers: jsonHeaders(events[0].requestId),
    data: JSON.stringify({ allOrNone: false, records }),
  };
}
