/**
 * The dialog-completion body the service takes on POST /webhooks/cognigy/dialog-complete, built
 * from what the flow designer filled into the node. A value the flow did not collect is left out
 * (never sent as an empty or null value): the service would answer 400 for an entity without a
 * value, and an empty id entity would be a 422.
 */

export interface CompletionFields {
  conversationId: string;
  botId: string;
  status: string;
  intent: string;
  /** ISO-8601; empty: the time the node runs. */
  eventTime: string;
  /** Entity name -> value, or -> { value, confidence }, as the node's JSON field rendered it. */
  entities: unknown;
  metadata: unknown;
}

export interface CompletionBody {
  conversationId: string;
  botId: string;
  status: string;
  intent: string;
  entities: Record<string, EntityValue>;
  timestamp: string;
  metadata?: Record<string, unknown>;
}

export interface EntityValue {
  value: string | number | boolean;
  confidence?: number;
}

export type Built = { ok: true; body: CompletionBody; omitted: string[] } | { ok: false; problems: string[] };

/** The body, or every problem with the node's fields (each naming the field). */
export function buildCompletion(fields: CompletionFields, now: Date): Built {
  const problems: string[] = [];
  const required = (given: string, label: string): string => {
    const value = given.trim();
    if (value === '') problems.push(`${label} is empty: fill the node's "${label}" field`);
    return value;
  };
  const conversationId = required(fields.conversationId, 'Conversation ID');
  const botId = required(fields.botId, 'Bot ID');
  const status = required(fields.status, 'Status');
  const intent = required(fields.intent, 'Intent');
  const timestamp = eventTime(fields.eventTime, now, problems);
  const { entities, omitted } = readEntities(jsonField(fields.entities), problems);
  const metadata = readMetadata(jsonField(fields.metadata), problems);
  if (problems.length > 0) return { ok: false, problems };
  const body: CompletionBody = { conversationId, botId, status, intent, entities, timestamp };
  if (metadata !== undefined) body.metadata = metadata;
  return { ok: true, body, omitted };
}

function eventTime(raw: string, now: Date, problems: string[]): string {
  const text = raw.trim();
  if (text === '') return now.toISOString();
  if (Number.isNaN(Date.parse(text))) problems.push(`Event time "${text}" is not an ISO-8601 time`);
  return text;
}

/** Absent, null and blank text all mean "not collected". */
function blank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function collected(value: unknown): value is string | number | boolean {
  if (typeof value === 'string') return value.trim() !== '';
  return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean';
}

function readEntities(raw: unknown, problems: string[]): { entities: Record<string, EntityValue>; omitted: string[] } {
  const entities: Record<string, EntityValue> = {};
  const omitted: string[] = [];
  if (blank(raw)) return { entities, omitted };
  if (!isPlainObject(raw)) {
    problems.push('Entities must be a JSON object of entity name -> value');
    return { entities, omitted };
  }
  for (const [name, given] of Object.entries(raw)) {
    const entity = readEntity(name, given, problems);
    if (entity === undefined) omitted.push(name);
    else Object.defineProperty(entities, name, { value: entity, enumerable: true, writable: true, configurable: true });
  }
  return { entities, omitted };
}

function readEntity(name: string, given: unknown, problems: string[]): EntityValue | undefined {
  const { value, confidence } = isPlainObject(given) ? given : { value: given, confidence: undefined };
  const where = isPlainObject(given) ? `Entities.${name}.value` : `Entities.${name}`;
  if (blank(value)) return undefined;
  if (!collected(value)) {
    problems.push(`${where}: expected a text, number or boolean (or {"value": ..., "confidence": ...})`);
    return undefined;
  }
  const score = readConfidence(confidence);
  if (score === 'invalid') {
    problems.push(`Entities.${name}.confidence: expected a number between 0 and 1`);
    return undefined;
  }
  return score === undefined ? { value } : { value, confidence: score };
}

/** A rendered CognigyScript number arrives as text ("0.83"); an uncollected one as nothing. */
function readConfidence(raw: unknown): number | undefined | 'invalid' {
  if (blank(raw)) return undefined;
  const score = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  return Number.isFinite(score) && score >= 0 && score <= 1 ? score : 'invalid';
}

function readMetadata(raw: unknown, problems: string[]): Record<string, unknown> | undefined {
  if (blank(raw)) return undefined;
  if (!isPlainObject(raw)) {
    problems.push('Metadata must be a JSON object');
    return undefined;
  }
  return Object.keys(raw).length === 0 ? undefined : raw;
}

/** A JSON field arrives parsed; text that holds JSON is read too. */
function jsonField(raw: unknown): unknown {
  if (typeof raw !== 'string' || raw.trim() === '') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
