import { CrmConnectorName } from '../config/environment';

/** Zendesk has an upsert by external id for users, and a lookup by external id for tickets. */
const ZENDESK_OBJECTS = ['users', 'tickets'];

export const EVENT_FIELDS = ['timestamp', 'conversationId', 'botId', 'status', 'intent'] as const;
export type EventField = (typeof EVENT_FIELDS)[number];

/**
 * A Dataverse lookup set by another table's alternate key: the field
 * `<navigation property>@odata.bind` gets `/<entitySet>(<key>='<the entity's value>')`.
 */
export interface ODataBind {
  entitySet: string;
  key: string;
  entity: string;
}

export type FieldSource =
  | { entity: string }
  | { metadata: string }
  | { event: EventField }
  | { literal: string | number | boolean }
  | { bind: ODataBind };

/** How the events of one intent become a CRM upsert (a built-in strategy declares one in code). */
export interface UpsertRecipe {
  objectType: string;
  /** The generic connector's request path. */
  path?: string;
  /** Any other connector's CRM object and external-id field. */
  object?: string;
  idField?: string;
  idEntity: string;
  minConfidence: number;
  fields: Record<string, FieldSource>;
}

/** One entry of the MAPPINGS_FILE: an intent mapped without writing code. */
export interface MappingDefinition extends UpsertRecipe {
  intent: string;
}

export class MappingsFileError extends Error {
  constructor(file: string, problems: string[]) {
    super(`Invalid mappings file ${file}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'MappingsFileError';
  }
}

const ENTRY_KEYS = ['intent', 'objectType', 'path', 'object', 'idField', 'idEntity', 'minConfidence', 'fields'];
const SOURCE_KEYS = ['entity', 'metadata', 'event', 'literal', 'bind'];
const BIND_KEYS = ['entitySet', 'key', 'entity'];
/** Dataverse names (entity sets, columns, navigation properties): letters, digits and `_`. */
const DATAVERSE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BIND_FIELD = /^[A-Za-z_][A-Za-z0-9_]*@odata\.bind$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isName = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** A bind only means something to Dataverse, and only in a field that is a navigation property's bind. */
function checkBind(where: string, field: string, bind: unknown, connector: CrmConnectorName, problems: string[]): void {
  if (connector !== 'dataverse') {
    return void problems.push(`${where}.bind: only with CRM_CONNECTOR=dataverse (this is CRM_CONNECTOR=${connector})`);
  }
  if (!BIND_FIELD.test(field)) {
    problems.push(
      `${where}: a bind field is named <navigation property>@odata.bind, e.g. customerid_contact@odata.bind`,
    );
  }
  if (!isObject(bind)) return void problems.push(`${where}.bind: must be an object with ${BIND_KEYS.join(', ')}`);
  const unknown = Object.keys(bind).filter((k) => !BIND_KEYS.includes(k));
  if (unknown.length > 0) problems.push(`${where}.bind: unknown key(s) ${unknown.join(', ')}`);
  for (const key of ['entitySet', 'key']) {
    const value = bind[key];
    if (!(typeof value === 'string' && DATAVERSE_NAME.test(value))) {
      problems.push(`${where}.bind.${key}: must be a Dataverse name (letters, digits, _)`);
    }
  }
  if (!isName(bind.entity)) problems.push(`${where}.bind.entity: must be a non-empty string`);
}

function checkSource(
  where: string,
  field: string,
  source: unknown,
  connector: CrmConnectorName,
  problems: string[],
): void {
  if (!isObject(source)) return void problems.push(`${where}: must be an object with one source`);
  const keys = Object.keys(source);
  const unknown = keys.filter((k) => !SOURCE_KEYS.includes(k));
  if (unknown.length > 0) problems.push(`${where}: unknown key(s) ${unknown.join(', ')}`);
  const sources = keys.filter((k) => SOURCE_KEYS.includes(k));
  if (sources.length !== 1) {
    return void problems.push(`${where}: needs exactly one source (${SOURCE_KEYS.join(', ')})`);
  }
  const [kind] = sources;
  const value = source[kind];
  if (kind === 'literal') {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      problems.push(`${where}.literal: must be a string, number or boolean`);
    }
  } else if (kind === 'bind') {
    checkBind(where, field, value, connector, problems);
  } else if (kind === 'event') {
    if (!(EVENT_FIELDS as readonly unknown[]).includes(value)) {
      problems.push(`${where}.event: must be one of ${EVENT_FIELDS.join(', ')}`);
    }
  } else if (!isName(value)) {
    problems.push(`${where}.${kind}: must be a non-empty string`);
  }
}

/** Generic entries name a path; the other connectors' entries name the CRM object and id field instead. */
function checkTarget(
  where: string,
  entry: Record<string, unknown>,
  connector: CrmConnectorName,
  problems: string[],
): void {
  if (connector === 'generic') {
    if (typeof entry.path !== 'string' || !entry.path.startsWith('/')) {
      problems.push(`${where}.path: must be a string starting with "/"`);
    }
    for (const key of ['object', 'idField']) {
      if (key in entry)
        problems.push(`${where}.${key}: only with a CRM_CONNECTOR other than generic (this one takes a path)`);
    }
    return;
  }
  if ('path' in entry)
    problems.push(`${where}.path: not used with CRM_CONNECTOR=${connector}; name the object and idField`);
  for (const key of ['object', 'idField']) {
    if (!isName(entry[key])) problems.push(`${where}.${key}: required with CRM_CONNECTOR=${connector}`);
  }
  if (connector === 'zendesk' && isName(entry.object) && !ZENDESK_OBJECTS.includes(entry.object)) {
    problems.push(`${where}.object: CRM_CONNECTOR=zendesk upserts ${ZENDESK_OBJECTS.join(' or ')}`);
  }
  if (connector === 'zendesk' && isName(entry.idField) && entry.idField !== 'external_id') {
    problems.push(`${where}.idField: CRM_CONNECTOR=zendesk finds records by external_id`);
  }
}

function checkEntry(where: string, entry: unknown, connector: CrmConnectorName, problems: string[]): void {
  if (!isObject(entry)) return void problems.push(`${where}: must be an object`);
  const unknown = Object.keys(entry).filter((k) => !ENTRY_KEYS.includes(k));
  if (unknown.length > 0) problems.push(`${where}: unknown key(s) ${unknown.join(', ')}`);
  for (const key of ['intent', 'objectType', 'idEntity']) {
    if (!isName(entry[key])) problems.push(`${where}.${key}: must be a non-empty string`);
  }
  checkTarget(where, entry, connector, problems);
  const confidence = entry.minConfidence;
  if (confidence !== undefined && !(typeof confidence === 'number' && confidence >= 0 && confidence <= 1)) {
    problems.push(`${where}.minConfidence: must be a number between 0 and 1`);
  }
  if (!isObject(entry.fields) || Object.keys(entry.fields).length === 0) {
    return void problems.push(`${where}.fields: must be an object with at least one field`);
  }
  for (const [name, source] of Object.entries(entry.fields)) {
    checkSource(`${where}.fields.${name}`, name, source, connector, problems);
  }
}

/** Parses and checks the whole file; throws one error naming every problem. */
export function parseMappingsFile(
  file: string,
  text: string,
  connector: CrmConnectorName = 'generic',
): MappingDefinition[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new MappingsFileError(file, [`not valid JSON: ${(error as Error).message}`]);
  }
  const problems: string[] = [];
  if (!isObject(document) || !Array.isArray(document.mappings)) {
    throw new MappingsFileError(file, ['must be an object with a "mappings" array']);
  }
  const unknown = Object.keys(document).filter((k) => k !== 'mappings');
  if (unknown.length > 0) problems.push(`unknown key(s) ${unknown.join(', ')}`);
  const seen = new Set<string>();
  document.mappings.forEach((entry: unknown, i: number) => {
    const intent = isObject(entry) && isName(entry.intent) ? entry.intent : undefined;
    checkEntry(`mappings[${i}]${intent ? ` (${intent})` : ''}`, entry, connector, problems);
    if (intent && seen.has(intent)) problems.push(`mappings[${i}]: intent "${intent}" is mapped twice`);
    if (intent) seen.add(intent);
  });
  if (problems.length > 0) throw new MappingsFileError(file, problems);
  return (document.mappings as MappingDefinition[]).map((entry) => ({
    ...entry,
    minConfidence: entry.minConfidence ?? 0,
  }));
}
