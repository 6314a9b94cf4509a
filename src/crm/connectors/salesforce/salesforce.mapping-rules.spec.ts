import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { SalesforceMappingRules } from './salesforce.mapping-rules';

const upsert = (externalId: string): RecordUpsert => ({
  intent: 'update_customer_profile',
  objectType: 'contact',
  object: 'Contact',
  idField: 'Cognigy_Customer_Id__c',
  externalId,
  body: {},
});

// External IDs match case-insensitively: https://help.salesforce.com/s/articleView?id=sf.custom_field_attributes.htm
describe('SalesforceMappingRules record key', () => {
  const rules = new SalesforceMappingRules('salesforce');

  it('folds the case: ids differing only in case name one record', () => {
    expect(rules.recordKey(upsert('C-1001'))).toBe('c-1001');
    expect(rules.recordKey(upsert('c-1001'))).toBe(rules.recordKey(upsert('C-1001')));
    expect(rules.recordKey(upsert('ÄBC'))).toBe('äbc');
  });
});
