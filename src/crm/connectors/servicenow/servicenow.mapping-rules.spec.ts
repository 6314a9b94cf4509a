import { MappingsFileError, parseMappingsFile } from '../../../mapping/mapping-definition';
import { ServiceNowMappingRules } from './servicenow.mapping-rules';

const RULES = new ServiceNowMappingRules('servicenow');
const entry = (object: string, idField: string) => ({
  intent: 'log_support_ticket',
  objectType: 'ticket',
  object,
  idField,
  idEntity: 'ticketId',
  fields: { short_description: { entity: 'issue' } },
});
const parse = (...mappings: unknown[]) => parseMappingsFile('m.json', JSON.stringify({ mappings }), RULES);
const refused = (...mappings: unknown[]) => {
  try {
    parse(...mappings);
  } catch (error) {
    return (error as MappingsFileError).message;
  }
  throw new Error('expected a refusal');
};

describe('ServiceNow mapping rules', () => {
  it('accepts a table and a correlation column', () => {
    expect(parse(entry('incident', 'correlation_id'))).toHaveLength(1);
    expect(parse(entry('x_acme_app_case', 'u_cognigy_id'))).toHaveLength(1);
  });

  it('refuses names a path or a query would read otherwise, and sys_id, naming the entry', () => {
    const message = refused(
      entry('incident/../sys_user', 'correlation_id'),
      entry('incident', 'correlation_id^ORactive'),
    );
    expect(message).toContain(
      'mappings[0] (log_support_ticket).object: a table or column name of letters, digits and underscores (got "incident/../sys_user")',
    );
    expect(message).toContain('mappings[1] (log_support_ticket).idField: a table or column name');
    expect(refused(entry('incident', 'sys_id'))).toContain('.idField: sys_id is the key ServiceNow assigns');
  });

  // The lookup matches case-insensitively (GlideFilter page, "Case sensitivity"):
  // https://www.servicenow.com/docs/r/api-reference/server-api-reference/c_GlideFilterScopedAPI.html
  it('folds the record key: ids differing only in case are one record', () => {
    const key = (externalId: string) =>
      RULES.recordKey({
        intent: 'log_support_ticket',
        objectType: 'ticket',
        object: 'incident',
        idField: 'correlation_id',
        externalId,
        body: {},
      });
    expect(key('T-1001')).toBe('t-1001');
    expect(key('t-1001')).toBe(key('T-1001'));
  });

  it('refuses a path, as every connector mapping to records does', () => {
    expect(refused({ ...entry('incident', 'correlation_id'), path: '/api/now/table/incident' })).toContain(
      '.path: not used',
    );
  });
});
