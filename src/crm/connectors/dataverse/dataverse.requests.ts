import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { odataKeyLiteral } from '../../../shared/odata-key';
import { CrmRequest } from '../../client/crm-request';
import { Claimed } from '../crm-connector';

const API = '/api/data/v9.2';
const ODATA = { 'OData-Version': '4.0', 'OData-MaxVersion': '4.0', Accept: 'application/json' };

/** `PATCH /api/data/v9.2/<entity set>(<key>='<id>')` without If-Match, so a missing row is created. */
export function upsertRequest({ upsert, requestId }: Claimed<RecordUpsert>): CrmRequest {
  return {
    method: 'PATCH',
    path: `${API}/${upsert.object}(${upsert.idField}=${odataKeyLiteral(upsert.externalId)})`,
    headers: { ...ODATA, 'Content-Type': 'application/json', 'X-Request-Id': requestId },
    data: JSON.stringify(upsert.body),
  };
}

/** The table whose entity set is `set`, with its alternate keys (a metadata read). */
export function tableDefinitionRequest(set: string): CrmRequest {
  const filter = encodeURIComponent(`EntitySetName eq '${set.replace(/'/g, "''")}'`);
  return {
    method: 'GET',
    path: `${API}/EntityDefinitions?$filter=${filter}&$select=LogicalName,EntitySetName&$expand=Keys($select=LogicalName,KeyAttributes,EntityKeyIndexStatus)`,
    headers: ODATA,
  };
}
