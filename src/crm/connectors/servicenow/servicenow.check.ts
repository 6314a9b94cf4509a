import { CrmResult } from '../../client/crm-client';
import { fieldOf, itemsOf, stringOf } from '../answer-shape';
import { CheckedMapping, MappingCheck, unanswered, unknownMapping, whyUnanswered } from '../mapping-check';
import { parseJson } from '../verdict';
import { errorOf } from './servicenow.answers';
import { queryString as query, queryValue, TABLE_API, TABLE_OR_COLUMN, tablePath } from './servicenow.requests';

/** One GET below the instance (`/api/now/table/...`), through the CRM client. */
export type Read = (path: string) => Promise<CrmResult>;

/** Tables extend tables (incident extends task); a deeper chain than this is not a real one. */
const MAX_DEPTH = 12;

/** Why a read told nothing: no answer, or ServiceNow's refusal. */
const whyNot = (what: string, result: CrmResult): string =>
  result.kind !== 'response' ? `${what}: ${whyUnanswered(result)}` : `${what}: ${result.status}: ${errorOf(result)}`;

/** The records of a Table API answer (none when it has no list). */
const recordsOf = (result: Extract<CrmResult, { kind: 'response' }>): unknown[] =>
  itemsOf(fieldOf(parseJson(result.body), 'result')) ?? [];

/**
 * The table and the tables it extends, nearest first, from Tables [sys_db_object] (`super_class`,
 * "Extends table"), or why they could not be read. A table's columns are its own dictionary entries
 * and those of the tables it extends (incident's correlation_id is task's):
 * https://www.servicenow.com/docs/r/platform-administration/table-administration-and-data-management/c_DataDictionaryTables.html
 */
async function lineage(table: string, read: Read): Promise<string[] | string> {
  const tables: string[] = [];
  let name: string | undefined = table;
  while (name !== undefined && tables.length < MAX_DEPTH && !tables.includes(name)) {
    const params = { sysparm_query: `name=${queryValue(name)}`, sysparm_fields: 'name,super_class.name' };
    const result = await read(`${TABLE_API}/sys_db_object?${query({ ...params, sysparm_limit: '1' })}`);
    if (result.kind !== 'response' || result.status !== 200) return whyNot('sys_db_object', result);
    const [record] = recordsOf(result);
    if (record === undefined) return `sys_db_object: no readable entry for table ${name}`;
    tables.push(name);
    const parent = stringOf(fieldOf(record, 'super_class.name'));
    name = parent && TABLE_OR_COLUMN.test(parent) ? parent : undefined;
  }
  return tables;
}

/** Which of `columns` the tables define, from Dictionary Entries [sys_dictionary] (`name`, `element`), or why not. */
async function definedColumns(tables: string[], columns: string[], read: Read): Promise<string[] | string> {
  const params = {
    sysparm_query: `nameIN${tables.join(',')}^elementIN${columns.join(',')}`,
    sysparm_fields: 'name,element',
    sysparm_limit: '1000',
  };
  const result = await read(`${TABLE_API}/sys_dictionary?${query(params)}`);
  if (result.kind !== 'response' || result.status !== 200) return whyNot('sys_dictionary', result);
  return recordsOf(result)
    .map((entry) => stringOf(fieldOf(entry, 'element')))
    .filter((element) => element !== undefined);
}

/**
 * `npm run crm:check` for one mapping: the table read as deliveries read it (`GET
 * /api/now/table/<table>?sysparm_limit=1`), then the id field and the written fields among the
 * columns of the table and the tables it extends. What could not be read counts as not found:
 * the check must not pass on what it could not see (the dictionary reads need a user who may read
 * sys_db_object and sys_dictionary).
 */
export async function checkMapping(mapping: CheckedMapping, read: Read): Promise<MappingCheck> {
  const { object, idField } = mapping;
  const table = await read(`${tablePath(object)}?${query({ sysparm_limit: '1', sysparm_fields: 'sys_id' })}`);
  if (table.kind !== 'response') return unanswered(mapping, table);
  if (table.status !== 200) return unknownMapping(mapping, `${table.status}: ${errorOf(table)}`);
  const wanted = [...new Set([idField, ...mapping.fields])];
  const named = wanted.filter((column) => TABLE_OR_COLUMN.test(column));
  const tables = await lineage(object, read);
  const known = typeof tables === 'string' ? tables : await definedColumns(tables, named, read);
  if (typeof known === 'string') {
    return { object, idField, objectExists: true, idFieldExists: null, missingFields: [], detail: known };
  }
  const missingFields = mapping.fields.filter((field) => !known.includes(field));
  const idFieldExists = known.includes(idField);
  const lacking = [...(idFieldExists ? [] : [idField]), ...missingFields];
  const where = (tables as string[]).join(', ');
  const detail = lacking.length === 0 ? 'ok' : `not columns of ${where}: ${lacking.join(', ')}`;
  return { object, idField, objectExists: true, idFieldExists, missingFields, detail };
}
