/*
 * The tables of a fake ServiceNow instance and how its Table API reads a query, after the vendor's
 * pages:
 * - A table extends another and has its columns too (incident extends task, whose correlation_id
 *   and short_description it has; customer_contact extends sys_user); Tables [sys_db_object] and
 *   Dictionary Entries [sys_dictionary] describe them:
 *   https://www.servicenow.com/docs/r/platform-administration/table-administration-and-data-management/c_DataDictionaryTables.html
 *   (sys_dictionary's `name` and `element`:
 *   https://www.servicenow.com/docs/r/application-development/system-update-sets/update-set-collisions.html;
 *   sys_db_object's `super_class`, dot-walked as `super_class.name` in sysparm_fields:
 *   https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/c_RESTAPI.html)
 * - sysparm_query: conditions joined by `^`, `=` exact and `IN` a comma list; "if part of a query is
 *   invalid, such as an invalid field name, the instance ignores the invalid part"; sysparm_fields
 *   "Invalid fields are ignored"; sysparm_limit:
 *   https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html
 * - `^^` in a value stands for a `^` (GlideStringUtil.escapeQueryTermSeparator):
 *   https://www.servicenow.com/docs/r/api-reference/server-api-reference/GlideStringUtilScopedAPI.html
 * - Queries match strings case-insensitively (GlideFilter, "Case sensitivity"):
 *   https://www.servicenow.com/docs/r/api-reference/server-api-reference/c_GlideFilterScopedAPI.html
 */

export type Row = Record<string, string>;

/** A table: the one it extends, and its own columns. */
export interface Table {
  extends?: string;
  columns: string[];
}

/** The tables an admin prepared for mappings/servicenow.example.json (custom u_ columns added). */
export const EXAMPLE_TABLES: Record<string, Table> = {
  task: {
    columns: ['sys_id', 'number', 'short_description', 'description', 'correlation_id', 'correlation_display', 'state'],
  },
  incident: { extends: 'task', columns: ['caller_id', 'category', 'u_cognigy_priority'] },
  sys_user: { columns: ['sys_id', 'user_name', 'first_name', 'last_name', 'email'] },
  customer_contact: {
    extends: 'sys_user',
    columns: ['account', 'u_cognigy_customer_id', 'u_cognigy_status', 'u_cognigy_notes', 'u_cognigy_last_interaction'],
  },
};

/** The table and the tables it extends, nearest first. */
export function lineage(tables: Record<string, Table>, name: string): string[] {
  const chain: string[] = [];
  for (let table: string | undefined = name; table && tables[table]; table = tables[table].extends) chain.push(table);
  return chain;
}

/** Every column of a table, its own and those of the tables it extends. */
export const columnsOf = (tables: Record<string, Table>, name: string): string[] =>
  lineage(tables, name).flatMap((table) => tables[table].columns);

/** The rows of sys_db_object and sys_dictionary, as the instance describes its tables. */
export function dictionaryRows(tables: Record<string, Table>): Record<string, Row[]> {
  return {
    sys_db_object: Object.entries(tables).map(([name, table]) => ({
      name,
      'super_class.name': table.extends ?? '',
    })),
    sys_dictionary: Object.entries(tables).flatMap(([name, table]) =>
      table.columns.map((element) => ({ name, element })),
    ),
  };
}

/** One condition of an encoded query: a column and the values it may hold. */
interface Condition {
  column: string;
  values: string[];
}

/** An encoded query's conditions: split at a single `^`, `^^` read as `^`; ORDERBY and unknown operators dropped. */
export function conditionsOf(query: string): Condition[] {
  const parts = query === '' ? [] : query.split(/(?<!\^)\^(?!\^)/);
  return parts.flatMap((part): Condition[] => {
    const text = part.replace(/\^\^/g, '^');
    const match = /^([A-Za-z0-9_.]+?)(=|IN)(.*)$/s.exec(text);
    if (!match) return [];
    const [, column, operator, value] = match;
    return [{ column, values: operator === 'IN' ? value.split(',') : [value] }];
  });
}

/**
 * The rows matching the query (conditions on columns the table lacks are ignored, as ServiceNow
 * does), at most `limit`, each with the `fields` asked for that exist (all when none asked).
 */
export function select(rows: Row[], columns: string[], params: URLSearchParams): Row[] {
  const conditions = conditionsOf(params.get('sysparm_query') ?? '').filter((c) => columns.includes(c.column));
  const matches = rows.filter((row) =>
    conditions.every(({ column, values }) =>
      values.some((value) => (row[column] ?? '').toLowerCase() === value.toLowerCase()),
    ),
  );
  const limit = Number(params.get('sysparm_limit') ?? '10000');
  return matches.slice(0, limit).map((row) => shown(row, columns, params.get('sysparm_fields')));
}

/** The row's `fields` (comma list; those the table lacks ignored), or every column. */
export function shown(row: Row, columns: string[], fields: string | null): Row {
  const wanted = fields ? fields.split(',').filter((f) => columns.includes(f)) : columns;
  return Object.fromEntries(wanted.map((f) => [f, row[f] ?? '']));
}
