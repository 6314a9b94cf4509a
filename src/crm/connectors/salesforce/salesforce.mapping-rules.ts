import { caseFolded, RecordTargetRules } from '../../../mapping/mapping-rules';
import { CrmUpsert } from '../../../shared/dialog-completed-event';

/**
 * Entries name the sObject and its External ID field. Salesforce matches an External ID
 * case-insensitively unless the field is also "Unique, case sensitive" (not the default):
 * https://help.salesforce.com/s/articleView?id=sf.custom_field_attributes.htm, so `C-1` and `c-1`
 * are one record and their events are ordered as one (the record key is case-folded).
 */
export class SalesforceMappingRules extends RecordTargetRules {
  override recordKey(upsert: CrmUpsert): string {
    return caseFolded(upsert.externalId);
  }
}
