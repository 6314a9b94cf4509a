import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { CrmRequest } from '../../client/crm-request';
import { Claimed } from '../crm-connector';

const jsonHeaders = (requestId: string) => ({
  'Content-Type': 'application/json',
  Accept: 'application/json',
  'X-Request-Id': requestId,
});

/**
 * An external id that cannot be the last segment of a record URL, each rule one way the URL would
 * be read as another one. Such an id goes in a request body instead (the collection upsert).
 */
const NOT_IN_PATH: Array<(externalId: string) => boolean> = [
  // A dot segment is resolved by URL parsing (axios, Node, proxies): `…/<idField>/..` would be
  // `…/sobjects/<object>/`. encodeURIComponent keeps dots and escapes `%`, so only these are left.
  (externalId) => externalId === '' || externalId === '.' || externalId === '..',
  // A last segment ending like a file name (`example@email.inc`, `a@b.com`) may be read as a format
  // suffix and answered 404 (documented for email ids whose TLD is also a file extension, the set
  // unstated: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_upsert_patch.htm).
  // Any id ending in `.` and letters or digits goes in the body, which has no such reading.
  (externalId) => /\.[A-Za-z0-9]+$/.test(externalId),
];

/** Whether the event's external id must travel in the body (collection upsert), never in the path. */
export const idGoesInBody = ({ upsert }: Claimed<RecordUpsert>): boolean =>
  NOT_IN_PATH.some((rule) => rule(upsert.externalId));

/** `PATCH <api>/sobjects/<object>/<idField>/<url-encoded id>` with the fields: an upsert by external id. */
export function upsertOneRequest(api: string, event: Claimed<RecordUpsert>): CrmRequest {
  const { upsert, requestId } = event;
  const { object, idField, externalId, body } = upsert;
  // The connector sends these through the collection upsert; a path must never carry them.
  if (idGoesInBody(event)) throw new Error('this external id cannot go in a record URL');
  return {
    method: 'PATCH',
    path: `${api}/sobjects/${object}/${idField}/${encodeURIComponent(externalId)}`,
    headers: jsonHeaders(requestId),
    data: JSON.stringify(body),
  };
}

/** A batch of one mapping (up to the definition's maxBatchSize) in one sObject collection upsert, allOrNone false: the ids in the body. */
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
