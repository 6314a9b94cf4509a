import { CompletionFields, isPlainObject } from './completion-body';
import { ServiceAuth } from './service-auth';

/**
 * The node's fields as Cognigy hands them to the node function (CognigyScript already rendered),
 * read into what the send needs, or every problem found, each naming the field or Connection.
 */

export const COMPLETION_ROUTE = '/webhooks/cognigy/dialog-complete';
export const DEFAULT_CONTEXT_KEY = 'crmSync';
/** Cognigy ends an Extension node after 20 s by default: the budget leaves room to store the answer. */
export const MAX_BUDGET_MS = 18000;
export const DEFAULT_BUDGET_MS = 15000;
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 5000;

export interface SendSettings {
  url: URL;
  auth: ServiceAuth;
  completion: CompletionFields;
  idempotencyScope: string;
  budgetMs: number;
  attemptTimeoutMs: number;
}

export type ReadSettings = { ok: true; settings: SendSettings } | { ok: false; problems: string[] };

/** Where the answer goes: read first, so even a node with bad settings stores its error. */
export function contextKeyOf(config: Record<string, unknown>): string {
  const key = text(config.contextKey);
  return key === '' ? DEFAULT_CONTEXT_KEY : key;
}

export function readSettings(config: Record<string, unknown>): ReadSettings {
  const problems: string[] = [];
  const connection = readConnection(config, problems);
  const url = connection && serviceUrl(connection.serviceUrl, problems);
  const budgetMs = clamp(config.timeBudgetMs, DEFAULT_BUDGET_MS, 1000, MAX_BUDGET_MS);
  const attemptTimeoutMs = clamp(config.attemptTimeoutMs, DEFAULT_ATTEMPT_TIMEOUT_MS, 500, budgetMs);
  if (!connection || !url || problems.length > 0) return { ok: false, problems };
  const completion: CompletionFields = {
    conversationId: text(config.conversationId),
    botId: text(config.botId),
    status: text(config.status),
    intent: text(config.intent),
    eventTime: text(config.eventTime),
    entities: config.entities,
    metadata: config.metadata,
  };
  const idempotencyScope = text(config.idempotencyScope);
  return {
    ok: true,
    settings: { url, auth: connection.auth, completion, idempotencyScope, budgetMs, attemptTimeoutMs },
  };
}

interface Connection {
  serviceUrl: string;
  auth: ServiceAuth;
}

function readConnection(config: Record<string, unknown>, problems: string[]): Connection | undefined {
  const mode = text(config.authType) || 'hmac';
  const field = { hmac: 'hmacConnection', basic: 'basicConnection', apikey: 'apiKeyConnection' }[mode];
  if (field === undefined) {
    problems.push(`Authentication "${mode}" is not one of hmac, basic, apikey`);
    return undefined;
  }
  const given = config[field];
  if (!isPlainObject(given)) {
    problems.push(`no Connection chosen: pick or create one ("+") in the node's ${mode} Connection field`);
    return undefined;
  }
  const value = (name: string) => {
    const v = text(given[name]);
    if (v === '') problems.push(`the Connection's ${name} is empty`);
    return v;
  };
  const url = value('serviceUrl');
  if (mode === 'hmac') return { serviceUrl: url, auth: { mode, secret: value('secret') } };
  if (mode === 'basic')
    return { serviceUrl: url, auth: { mode, username: value('username'), password: value('password') } };
  return { serviceUrl: url, auth: { mode: 'apikey', apiKey: value('apiKey') } };
}

/**
 * The completion route under the Connection's service URL (a base URL, optionally with a path
 * prefix of a reverse proxy). https only: plain http is accepted for loopback addresses alone.
 */
function serviceUrl(raw: string, problems: string[]): URL | undefined {
  if (raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`the Connection's serviceUrl "${raw}" is not a URL (e.g. https://crm-sync.example.com)`);
    return undefined;
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    problems.push(`the Connection's serviceUrl must start with https:// (got ${url.protocol}//${url.host})`);
    return undefined;
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    problems.push("the Connection's serviceUrl must not carry credentials, a query or a fragment");
    return undefined;
  }
  const base = url.pathname.replace(/\/+$/, '');
  url.pathname = base.endsWith(COMPLETION_ROUTE) ? base : `${base}${COMPLETION_ROUTE}`;
  return url;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

function clamp(value: unknown, fallback: number, min: number, max: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? Math.min(max, Math.max(min, Math.round(n))) : Math.min(max, fallback);
}
