import { MappingRules } from './mapping-rules';

export const EVENT_FIELDS = ['timestamp', 'conversationId', 'botId', 'status', 'intent'] as const;
export type EventField = (typeof EVENT_FIELDS)[number];

/**
 * An OData lookup set by another table's alternate key: the field
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

interface RecipeCommon {
  objectType: string;
  idEntity: string;
  minConfidence: number;
  fields: Record<string, FieldSource>;
}

/** Events become a request body, sent to `path` (a connector mapping to paths). */
export interface PathRecipe extends RecipeCommon {
  path: string;
}

/** Events become a CRM record's fields, upserted by the external id in `idField` of `object`. */
export interface RecordRecipe extends RecipeCommon {
  object: string;
  idField: string;
}

/** One entry of the MAPPINGS_FILE: an intent mapped without writing code, in the CRM's own words. */
export type MappingDefinition = (PathRecipe | RecordRecipe) & { intent: string };

export class MappingsFileError extends Error {
  constructor(file: string, problems: string[]) {
    super(`Invalid mappings file ${file}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'MappingsFileError';
  }
}

const ENTRY_KEYS = ['intent', 'objectType', 'path', 'object', 'idField', 'idEntity', 'minConfidence', 'fields'];
const SOURCE_KEYS = ['entity', 'metadata', 'event', 'literal', 'bind'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isName = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

function checkSource(where: string, field: string, source: unknown, rules: MappingRules, problems: string[]): void {
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
    problems.push(...rules.bindProblems(where, field, value));
  } else if (kind === 'event') {
    if (!(EVENT_FIELDS as readonly unknown[]).includes(value)) {
      problems.push(`${where}.event: must be one of ${EVENT_FIELDS.join(', ')}`);
    }
  } else if (!isName(value)) {
    problems.push(`${where}.${kind}: must be a non-empty string`);
  }
}

function checkEntry(where: string, entry: unknown, rules: MappingRules, problems: string[]): void {
  if (!isObject(entry)) return void problems.push(`${where}: must be an object`);
  const unknown = Object.keys(entry).filter((k) => !ENTRY_KEYS.includes(k));
  if (unknown.length > 0) problems.push(`${where}: unknown key(s) ${unknown.join(', ')}`);
  for (const key of ['intent', 'objectType', 'idEntity']) {
    if (!isName(entry[key])) problems.push(`${where}.${key}: must be a non-empty string`);
  }
  problems.push(...rules.targetProblems(where, entry));
  const confidence = entry.minConfidence;
  if (confidence !== undefined && !(typeof confidence === 'number' && confidence >= 0 && confidence <= 1)) {
    problems.push(`${where}.minConfidence: must be a number between 0 and 1`);
  }
  if (!isObject(entry.fields) || Object.keys(entry.fields).length === 0) {
    return void problems.push(`${where}.fields: must be an object with at least one field`);
  }
  for (const [name, source] of Object.entries(entry.fields)) {
    checkSource(`${where}.fields.${name}`, name, source, rules, problems);
  }
}

/** Parses and checks the whole file, entries by the chosen connector's `rules`; throws one error naming every problem. */
export function parseMappingsFile(file: string, text: string, rules: MappingRules): MappingDefinition[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new MappingsFileError(file, [`not valid JSON: ${(error as Error).message}`]);
  }
  return checkMappingsDocument(file, document, rules);
}

/** Checks a parsed mappings document (`where` names it in the error), entries by a connector's `rules`. */
export function checkMappingsDocument(where: string, document: unknown, rules: MappingRules): MappingDefinition[] {
  const problems: string[] = [];
  if (!isObject(document) || !Array.isArray(document.mappings)) {
    throw new MappingsFileError(where, ['must be an object with a "mappings" array']);
  }
  const unknown = Object.keys(document).filter((k) => k !== 'mappings');
  if (unknown.length > 0) problems.push(`unknown key(s) ${unknown.join(', ')}`);
  const seen = new Set<string>();
  document.mappings.forEach((entry: unknown, i: number) => {
    const intent = isObject(entry) && isName(entry.intent) ? entry.intent : undefined;
    checkEntry(`mappings[${i}]${intent ? ` (${intent})` : ''}`, entry, rules, problems);
    if (intent && seen.has(intent)) problems.push(`mappings[${i}]: intent "${intent}" is mapped twice`);
    if (intent) seen.add(intent);
  });
  if (problems.length > 0) throw new MappingsFileError(where, problems);
  return (document.mappings as MappingDefinition[]).map((entry) => ({
    ...entry,
    minConfidence: entry.minConfidence ?? 0,
  }));
}
