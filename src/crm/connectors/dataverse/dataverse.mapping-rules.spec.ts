import { MappingsFileError, parseMappingsFile } from '../../../mapping/mapping-definition';
import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { DataverseMappingRules } from './dataverse.mapping-rules';

const RULES = new DataverseMappingRules('dataverse');

describe('Dataverse mapping rules: bind sources', () => {
  const bind = { entitySet: 'contacts', key: 'cognigy_customerid', entity: 'customerId' };
  const incident = (fields: Record<string, unknown>) => ({
    mappings: [
      {
        intent: 'log_support_ticket',
        objectType: 'ticket',
        object: 'incidents',
        idField: 'cognigy_ticketid',
        idEntity: 'ticketId',
        fields,
      },
    ],
  });
  const refused = (document: unknown) => {
    try {
      parseMappingsFile('m.json', JSON.stringify(document), RULES);
    } catch (error) {
      return (error as MappingsFileError).message;
    }
    throw new Error('expected a refusal');
  };
  const field = 'mappings[0] (log_support_ticket).fields';

  it('accepts a bind under CRM_CONNECTOR=dataverse', () => {
    const [definition] = parseMappingsFile(
      'm.json',
      JSON.stringify(incident({ 'customerid_contact@odata.bind': { bind } })),
      RULES,
    );
    expect(definition.fields['customerid_contact@odata.bind']).toEqual({ bind });
  });

  it.each([
    ['a field not named <nav>@odata.bind', { customerid: { bind } }, '.customerid: a bind field is named'],
    ['a bind that is not an object', { 'c@odata.bind': { bind: 'contacts' } }, '.bind: must be an object'],
    ['an unknown bind key', { 'c@odata.bind': { bind: { ...bind, id: 1 } } }, '.bind: unknown key(s) id'],
    ['an entity set with a slash', { 'c@odata.bind': { bind: { ...bind, entitySet: '/contacts' } } }, '.entitySet'],
    ['a missing key', { 'c@odata.bind': { bind: { ...bind, key: undefined } } }, '.bind.key: must be a Dataverse'],
    ['an empty entity', { 'c@odata.bind': { bind: { ...bind, entity: '' } } }, '.bind.entity: must be a non-empty'],
  ])('refuses %s, naming the field', (_case, fields, message) => {
    expect(refused(incident(fields))).toContain(`${field}.`);
    expect(refused(incident(fields))).toContain(message);
  });

  it('names the entity set and key like any connector mapping to records', () => {
    const { idField: _idField, ...entry } = incident({ a: { entity: 'x' } }).mappings[0];
    expect(refused({ mappings: [{ ...entry, path: '/x' }] })).toContain(
      'mappings[0] (log_support_ticket).path: not used with CRM_CONNECTOR=dataverse',
    );
    expect(refused({ mappings: [entry] })).toContain('.idField: required with CRM_CONNECTOR=dataverse');
  });
});

describe('Dataverse record key', () => {
  const upsert = (externalId: string): RecordUpsert => ({
    intent: 'update_customer_profile',
    objectType: 'contact',
    object: 'contacts',
    idField: 'cognigy_customerid',
    externalId,
    body: {},
  });

  // Alternate keys are unique indexes under a case-insensitive collation (every language):
  // https://learn.microsoft.com/power-platform/admin/language-collations
  it('folds the case: ids differing only in case name one row', () => {
    expect(RULES.recordKey(upsert('C-1001'))).toBe('c-1001');
    expect(RULES.recordKey(upsert('c-1001'))).toBe(RULES.recordKey(upsert('C-1001')));
  });

  // Accent sensitivity depends on the environment's language (_AS in some): kept apart.
  it('keeps accents', () => {
    expect(RULES.recordKey(upsert('Café-1'))).toBe('café-1');
    expect(RULES.recordKey(upsert('Cafe-1'))).not.toBe(RULES.recordKey(upsert('Café-1')));
  });
});
