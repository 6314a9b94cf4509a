import { CrmResult } from '../../client/crm-client';
import { documentedAnswer } from '../crm-answer.fixture';
import { checkMapping } from './servicenow.check';

/*
 * crm:check's reads: the table (Table API GET with sysparm_limit), then Tables [sys_db_object]
 * (`super_class`, "Extends table") and Dictionary Entries [sys_dictionary] (`name`, `element`): a
 * table's columns are its own entries and those of the tables it extends (incident and task):
 *   https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html
 *   https://www.servicenow.com/docs/r/platform-administration/table-administration-and-data-management/c_DataDictionaryTables.html
 * Dot-walked fields (`super_class.name`) come back under their dotted name:
 *   https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/c_RESTAPI.html
 */

const PARENTS: Record<string, string> = { incident: 'task', task: '' };
const COLUMNS: Record<string, string[]> = {
  incident: ['category', 'u_cognigy_priority'],
  task: ['correlation_id', 'correlation_display', 'short_description', 'description'],
};

/** Answers the checks' reads as an instance with incident extending task would; `refuse` names a table read refused. */
function instance(refuse?: { table: string; status: number; body: unknown }) {
  const paths: string[] = [];
  const read = (path: string): Promise<CrmResult> => {
    paths.push(decodeURIComponent(path));
    const url = new URL(`https://acme.service-now.com${path}`);
    const table = url.pathname.split('/').at(-1)!;
    const query = url.searchParams.get('sysparm_query') ?? '';
    if (refuse?.table === table) return Promise.resolve(documentedAnswer(refuse.status, refuse.body));
    if (table === 'sys_db_object') {
      const name = query.slice('name='.length);
      const result = name in PARENTS ? [{ name, 'super_class.name': PARENTS[name] }] : [];
      return Promise.resolve(documentedAnswer(200, { result }));
    }
    if (table === 'sys_dictionary') {
      const [names, elements] = query.split('^').map((part) => part.replace(/^(name|element)IN/, '').split(','));
      const result = names.flatMap((name) =>
        (COLUMNS[name] ?? []).filter((c) => elements.includes(c)).map((element) => ({ name, element })),
      );
      return Promise.resolve(documentedAnswer(200, { result }));
    }
    return Promise.resolve(documentedAnswer(200, { result: [] }));
  };
  return { paths, read };
}

const mapping = (idField: string, fields: string[]) => ({ object: 'incident', idField, fields });

describe('ServiceNow crm:check', () => {
  it("finds the id field and the written fields among the table's columns and its parents'", async () => {
    const { paths, read } = instance();
    const result = await checkMapping(mapping('correlation_id', ['short_description', 'u_cognigy_priority']), read);
    expect(result).toEqual({
      object: 'incident',
      idField: 'correlation_id',
      objectExists: true,
      idFieldExists: true,
      missingFields: [],
      detail: 'ok',
    });
    expect(paths).toEqual([
      '/api/now/table/incident?sysparm_limit=1&sysparm_fields=sys_id',
      '/api/now/table/sys_db_object?sysparm_query=name=incident&sysparm_fields=name,super_class.name&sysparm_limit=1',
      '/api/now/table/sys_db_object?sysparm_query=name=task&sysparm_fields=name,super_class.name&sysparm_limit=1',
      '/api/now/table/sys_dictionary?sysparm_query=nameINincident,task^elementINcorrelation_id,short_description,u_cognigy_priority&sysparm_fields=name,element&sysparm_limit=1000',
    ]);
  });

  it('names an id field and written fields no table of the lineage has', async () => {
    const result = await checkMapping(
      mapping('u_ticket', ['short_description', 'u_mood', 'comment/body']),
      instance().read,
    );
    expect(result).toMatchObject({
      objectExists: true,
      idFieldExists: false,
      missingFields: ['u_mood', 'comment/body'],
      detail: 'not columns of incident, task: u_ticket, u_mood, comment/body',
    });
  });

  it('a table refused or unknown: the object missing, ServiceNow saying why', async () => {
    const body = { error: { message: 'Invalid table incident', detail: null }, status: 'failure' };
    const result = await checkMapping(
      mapping('correlation_id', []),
      instance({ table: 'incident', status: 400, body }).read,
    );
    expect(result).toMatchObject({ objectExists: false, idFieldExists: null, detail: '400: Invalid table incident' });
  });

  it('a dictionary the user may not read: the fields unknown, the check failing, saying why', async () => {
    const body = { error: { message: 'Operation Failed', detail: 'Requesting user has insufficient privileges' } };
    const result = await checkMapping(
      mapping('correlation_id', ['short_description']),
      instance({ table: 'sys_dictionary', status: 403, body }).read,
    );
    expect(result).toMatchObject({
      objectExists: true,
      idFieldExists: null,
      detail: 'sys_dictionary: 403: Operation Failed: Requesting user has insufficient privileges',
    });
  });
});
