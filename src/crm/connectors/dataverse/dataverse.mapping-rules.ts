import { caseFolded, RecordTargetRules } from '../../../mapping/mapping-rules';
import { CrmUpsert } from '../../../shared/dialog-completed-event';

const BIND_KEYS = ['entitySet', 'key', 'entity'];
/** Dataverse names (entity sets, columns, navigation properties): letters, digits and `_`. */
const DATAVERSE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BIND_FIELD = /^[A-Za-z_][A-Za-z0-9_]*@odata\.bind$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Entries name an entity set (`object`) and an alternate key column (`idField`); a lookup (an
 * incident's customer) is a `bind` source in a field named `<navigation property>@odata.bind`.
 */
export class DataverseMappingRules extends RecordTargetRules {
  /**
   * Case-folded: an alternate key is a unique index of the environment's SQL database
   * (https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity),
   * whose collation is case-insensitive in every language ("Cafe" and "cafe" are the same,
   * https://learn.microsoft.com/power-platform/admin/language-collations), so `C-1` and `c-1` name
   * one row and are ordered as one. Accents are kept: only some languages' collations ignore them.
   */
  override recordKey(upsert: CrmUpsert): string {
    return caseFolded(upsert.externalId);
  }

  override bindProblems(where: string, field: string, bind: unknown): string[] {
    const problems: string[] = [];
    if (!BIND_FIELD.test(field)) {
      problems.push(
        `${where}: a bind field is named <navigation property>@odata.bind, e.g. customerid_contact@odata.bind`,
      );
    }
    if (!isObject(bind)) return [...problems, `${where}.bind: must be an object with ${BIND_KEYS.join(', ')}`];
    const unknown = Object.keys(bind).filter((k) => !BIND_KEYS.includes(k));
    if (unknown.length > 0) problems.push(`${where}.bind: unknown key(s) ${unknown.join(', ')}`);
    for (const key of ['entitySet', 'key']) {
      const value = bind[key];
      if (!(typeof value === 'string' && DATAVERSE_NAME.test(value))) {
        problems.push(`${where}.bind.${key}: must be a Dataverse name (letters, digits, _)`);
      }
    }
    if (!(typeof bind.entity === 'string' && bind.entity.trim() !== '')) {
      problems.push(`${where}.bind.entity: must be a non-empty string`);
    }
    return problems;
  }
}
