/** What the CRM sandbox holds, the requests it logs, and the faults it can be told to play. */

export interface SandboxFault {
  target?: 'api' | 'token';
  status?: number;
  retryAfter?: string;
  latencyMs?: number;
  hang?: boolean;
  /** How many matching requests get this fault (default 1); Infinity (-1 over HTTP) until cleared. */
  count?: number;
  body?: unknown;
}

export interface SandboxStats {
  requests: number;
  applied: number;
  replayedKeys: number;
  tokenRequests: number;
  tokensIssued: number;
  unauthorized: number;
  faultsServed: number;
  byPath: Record<string, number>;
}

export interface SandboxRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  requestId: string | null;
  /** Whether a valid bearer token came, never the token itself. */
  authorization: 'Bearer' | 'none' | 'invalid';
  body: unknown;
  /** null while unanswered: still waiting, hanging, or abandoned by the client. */
  status: number | null;
  at: string;
  /** When the answer was handed to the network; null while unanswered. */
  answeredAt: string | null;
}

export type SandboxRecord = Record<string, unknown> & {
  id: string;
  external_id: string;
  version: number;
  applied_keys: string[];
};

export type UpsertBody = Record<string, unknown> & { external_id: string };

export interface Answer {
  status: number;
  body: unknown;
}

export interface QueuedFault extends SandboxFault {
  target: 'api' | 'token';
  remaining: number;
}

/** Everything reset() forgets. */
export interface State {
  collections: Map<string, Map<string, SandboxRecord>>;
  answers: Map<string, Answer>;
  tokens: Map<string, number>;
  faults: QueuedFault[];
  log: SandboxRequest[];
  stats: SandboxStats;
  lastId: number;
}

export class InvalidFaultError extends Error {}

export function freshState(): State {
  return {
    collections: new Map(),
    answers: new Map(),
    tokens: new Map(),
    faults: [],
    log: [],
    stats: {
      requests: 0,
      applied: 0,
      replayedKeys: 0,
      tokenRequests: 0,
      tokensIssued: 0,
      unauthorized: 0,
      faultsServed: 0,
      byPath: {},
    },
    lastId: 0,
  };
}

/** Checked on injection so a bad fault fails where it is set up, not on the request it hits. */
export function toQueuedFault(fault: SandboxFault): QueuedFault {
  const { target = 'api', status, latencyMs = 0, hang = false, count = 1 } = fault;
  const problems = [
    target !== 'api' && target !== 'token' && 'target must be "api" or "token"',
    status !== undefined &&
      !(Number.isInteger(status) && status >= 200 && status <= 599) &&
      'status must be an HTTP status 200-599',
    !(typeof latencyMs === 'number' && latencyMs >= 0) && 'latencyMs must be a number >= 0',
    typeof hang !== 'boolean' && 'hang must be a boolean',
    !(count === -1 || count === Infinity || (Number.isInteger(count) && count > 0)) &&
      'count must be a positive integer, -1 or Infinity',
    fault.retryAfter !== undefined && typeof fault.retryAfter !== 'string' && 'retryAfter must be a string',
    status === undefined && !latencyMs && !hang && 'a fault needs status, latencyMs or hang',
  ].filter(Boolean);
  if (problems.length > 0) throw new InvalidFaultError(problems.join('; '));
  return { ...fault, target, remaining: count === -1 ? Infinity : count };
}
