import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { ZendeskMappingRules } from './zendesk.mapping-rules';

const upsert = (object: string, externalId: string): RecordUpsert => ({
  intent: 'update_customer_profile',
  objectType: object === 'users' ? 'contact' : 'ticket',
  object,
  idField: 'external_id',
  externalId,
  body: {},
});

describe('ZendeskMappingRules record key', () => {
  const rules = new ZendeskMappingRules('zendesk');

  // "The API treats the id as case insensitive": https://developer.zendesk.com/api-reference/ticketing/users/users/
  it("folds a user's external_id", () => {
    expect(rules.recordKey(upsert('users', 'Ian1'))).toBe('ian1');
  });

  // Tickets are listed by external_id as given: https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/
  it("keeps a ticket's external_id as sent", () => {
    expect(rules.recordKey(upsert('tickets', 'T-1'))).toBe('T-1');
  });
});
