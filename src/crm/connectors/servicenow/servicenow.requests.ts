import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { CrmRequest } from '../../client/crm-request';
import { Claimed } from '../crm-connector';

/**
 * The Table API (`/api/now/table/<table>`):
 * https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html
 */
export const TABLE_API = '/api/now/table';

/** A table or column name: letters, digits and underscores (`incident`, `u_cognigy_id`), nothing a path or query reads. */
export const TABLE_OR_COLUMN = /^[A-Za-z0-9_]+$/;

/**
 * A sys_id, the key of every record: 32 hexadecimal characters (GlideStringUtil.isEligibleSysID,
 * https://www.servicenow.com/docs/r/api-reference/server-api-reference/GlideStringUtilScopedAPI.html).
 */
export const SYS_ID = /^[0-9a-fA-F]{32}$/;

/** `/api/now/table/<name>`: the mapping rules let only table names through; a path takes nothing else. */
export function tablePath(table: string): string {
  if (!TABLE_OR_COLUMN.test(table)) throw new Error('a table name has only letters, digits and underscores');
  return `${TABLE_API}/${table}`;
}

/**
 * A value inside an encoded query: `^` separates conditions, so it is doubled, the documented
 * escape (GlideStringUtil.escapeQueryTermSeparator, same page as SYS_ID): an id like
 * `C-1^ORactive=true` stays one value and never adds a condition.
 */
export const queryValue = (value: string): string => value.replace(/\^/g, '^^');

/** A query string of `params`, each value percent-encoded. */
export const queryString = (params: Record<string, string>): string =>
  Object.entries(params)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('&');

const headers = (requestId: string, body: boolean): Record<string, string> => ({
  // The REST API requires Accept on every request and Content-Type with a body (400 without).
  Accept: 'application/json',
  ...(body ? { 'Content-Type': 'application/json' } : {}),
  'X-Request-Id': requestId,
});

/**
 * `GET /api/now/table/<table>?sysparm_query=<idField>=<id>&sysparm_limit=2&sysparm_fields=sys_id,<idField>`:
 * the records holding the event's external id. Two are enough to tell "several"; the id field is
 * read back because ServiceNow ignores a condition on a field it does not know and answers any
 * rows (see foundRecord).
 */
export function lookupRequest({ upsert, requestId }: Claimed<RecordUpsert>): CrmRequest {
  const { object, idField, externalId } = upsert;
  if (!TABLE_OR_COLUMN.test(idField)) throw new Error('a column name has only letters, digits and underscores');
  const query = queryString({
    sysparm_query: `${idField}=${queryValue(externalId)}`,
    sysparm_limit: '2',
    sysparm_fields: `sys_id,${idField}`,
  });
  return { method: 'GET', path: `${tablePath(object)}?${query}`, headers: headers(requestId, false) };
}

/** The answer of a write carries only the record's sys_id: the rest of the record is not read. */
const WRITE_QUERY = queryString({ sysparm_fields: 'sys_id' });

/**
 * `PATCH /api/now/table/<table>/<sys_id>` with the fields when the lookup found the record, else
 * `POST /api/now/table/<table>` with the fields and the id field. The sys_id comes from an answer:
 * it goes into the path only in its documented form.
 */
export function writeRequest({ upsert, requestId }: Claimed<RecordUpsert>, existing: string | undefined): CrmRequest {
  const { object, idField, externalId, body } = upsert;
  if (existing === undefined) {
    return {
      method: 'POST',
      path: `${tablePath(object)}?${WRITE_QUERY}`,
      headers: headers(requestId, true),
      data: JSON.stringify({ ...body, [idField]: externalId }),
    };
  }
  if (!SYS_ID.test(existing)) throw new Error('a sys_id must be 32 hexadecimal characters');
  return {
    method: 'PATCH',
    path: `${tablePath(object)}/${existing}?${WRITE_QUERY}`,
    headers: headers(requestId, true),
    data: JSON.stringify(body),
  };
}
