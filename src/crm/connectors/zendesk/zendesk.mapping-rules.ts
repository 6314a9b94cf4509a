import { caseFolded, RecordTargetRules } from '../../../mapping/mapping-rules';
import { CrmUpsert, isRecordUpsert } from '../../../shared/dialog-completed-event';

/** Zendesk has an upsert by external id for users, and a lookup by external id for tickets. */
const ZENDESK_OBJECTS = ['users', 'tickets'];

/**
 * Entries name `users` or `tickets`, found by `external_id`. A user's external_id is matched
 * case-insensitively ("ian1" and "Ian1" are the same user:
 * https://developer.zendesk.com/api-reference/ticketing/users/users/), so its record key is
 * case-folded; a ticket's is looked up as sent.
 */
export class ZendeskMappingRules extends RecordTargetRules {
  override recordKey(upsert: CrmUpsert): string {
    return isRecordUpsert(upsert) && upsert.object === 'users' ? caseFolded(upsert.externalId) : upsert.externalId;
  }

  override targetProblems(where: string, entry: Readonly<Record<string, unknown>>): string[] {
    const problems = super.targetProblems(where, entry);
    const { object, idField } = entry;
    if (typeof object === 'string' && object.trim() !== '' && !ZENDESK_OBJECTS.includes(object)) {
      problems.push(`${where}.object: CRM_CONNECTOR=${this.connector} upserts ${ZENDESK_OBJECTS.join(' or ')}`);
    }
    if (typeof idField === 'string' && idField.trim() !== '' && idField !== 'external_id') {
      problems.push(`${where}.idField: CRM_CONNECTOR=${this.connector} finds records by external_id`);
    }
    return problems;
  }
}
