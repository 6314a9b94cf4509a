import { caseFolded, RecordTargetRules } from '../../../mapping/mapping-rules';
import { CrmUpsert } from '../../../shared/dialog-completed-event';
import { TABLE_OR_COLUMN } from './servicenow.requests';

/**
 * Entries name a table (`object`, e.g. `incident`) and the column holding the external id
 * (`idField`, e.g. `correlation_id`): names of letters, digits and underscores, which go into paths
 * and queries as they are. `sys_id` is the record key ServiceNow assigns, never a correlation field.
 */
export class ServiceNowMappingRules extends RecordTargetRules {
  /**
   * Case-folded: the lookup's query matches strings case-insensitively ("GlideRecord queries are
   * case-insensitive", https://www.servicenow.com/docs/r/api-reference/server-api-reference/c_GlideFilterScopedAPI.html),
   * so `C-1` and `c-1` find one record and are ordered as one.
   */
  override recordKey(upsert: CrmUpsert): string {
    return caseFolded(upsert.externalId);
  }

  override targetProblems(where: string, entry: Readonly<Record<string, unknown>>): string[] {
    const problems = super.targetProblems(where, entry);
    for (const key of ['object', 'idField']) {
      const name = entry[key];
      if (typeof name === 'string' && name.trim() !== '' && !TABLE_OR_COLUMN.test(name)) {
        problems.push(`${where}.${key}: a table or column name of letters, digits and underscores (got "${name}")`);
      }
    }
    if (entry.idField === 'sys_id') {
      problems.push(`${where}.idField: sys_id is the key ServiceNow assigns; name the column holding the external id`);
    }
    return problems;
  }
}
