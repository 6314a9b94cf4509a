import { AttemptRecord, AttemptResult } from '../../queue/stored-event';
import { CrmResult } from '../client/crm-client';

/**
 * The verdict vocabulary of the connector contract: what a connector's judging of an answer
 * tells the delivery worker to do with each event.
 */

/** What a delivery attempt means for one event. */
export type Verdict =
  | { action: 'delivered'; attempt: AttemptResult }
  | { action: 'retry'; attempt: AttemptResult; afterMs?: number }
  | { action: 'dead'; attempt: AttemptResult }
  /** Nothing was sent (the breaker is open): the event goes back without using an attempt. */
  | { action: 'release' };

/** One event's share of a delivery: its verdict, the attempts it used up, and those requests for its history. */
export interface EventVerdict {
  verdict: Verdict;
  attempts: number;
  requests: AttemptRecord[];
}

export type CrmAnswer = Extract<CrmResult, { kind: 'response' }>;

/** Every CRM request counts as an attempt, and so does a failed token request. */
export const attemptsUsed = (result: CrmResult): number => result.sent + (result.kind === 'token' ? 1 : 0);

export interface RecordFacts {
  crmRecordId: string | null;
  created: boolean | null;
}

export const deliveredVerdict = (
  status: number,
  facts: RecordFacts = { crmRecordId: null, created: null },
): Verdict => ({
  action: 'delivered',
  attempt: { status, error: null, ...facts },
});

export const retryVerdict = (status: number | null, error: string, afterMs?: number): Verdict => ({
  action: 'retry',
  attempt: { status, error },
  afterMs,
});

export const deadVerdict = (status: number | null, error: string): Verdict => ({
  action: 'dead',
  attempt: { status, error },
});

/** `Retry-After` as seconds or an HTTP-date, in milliseconds from `now`; undefined when unusable. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Only an HTTP-date (it names a day or month): Date.parse would read "1.5" or "-1" as 2001.
  if (!/[a-z]{3}/i.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The wait a 429 (or 503) asks for, when it says. */
export const retryAfter = ({ headers }: Pick<CrmAnswer, 'headers'>): number | undefined =>
  retryAfterMs(headers['retry-after'], Date.now());

/**
 * The statuses whose `Retry-After` says when to come back: 429 (RFC 6585 §4) and 503 (RFC 9110
 * §15.6.4, a CRM in maintenance or shedding load). Without the header they back off as usual.
 */
const ASKS_TO_WAIT = [429, 503];

/**
 * A refused answer as most CRMs mean it: 429 and 503 after Retry-After (else backoff), 401/408/5xx
 * retried, any other 4xx dead.
 */
export function refusedVerdict(answer: CrmAnswer, error: string): Verdict {
  const { status } = answer;
  if (ASKS_TO_WAIT.includes(status)) return retryVerdict(status, error, retryAfter(answer));
  if (status >= 400 && status < 500 && status !== 401 && status !== 408) return deadVerdict(status, error);
  return retryVerdict(status, error);
}

/**
 * Results without an answer mean the same for every connector: the breaker refused (released,
 * unless a 401's retry was refused after the first request went), or the request, or its token,
 * failed (retried with backoff).
 */
export function unansweredVerdict(result: Exclude<CrmResult, CrmAnswer>): Verdict {
  if (result.kind === 'breaker-open') {
    return result.sent === 0
      ? { action: 'release' }
      : retryVerdict(null, 'CRM circuit breaker opened before the retry');
  }
  return retryVerdict(null, result.message);
}

/**
 * The answer of a connector's table, or the common verdict when there was none. A judge that
 * throws on an answer it did not expect makes it a failed attempt, retried (SPEC §13).
 */
export function verdictOf(result: CrmResult, judgeAnswer: (answer: CrmAnswer) => Verdict): EventVerdict {
  const attempts = attemptsUsed(result);
  if (result.kind !== 'response') return { verdict: unansweredVerdict(result), attempts, requests: result.requests };
  try {
    return { verdict: judgeAnswer(result), attempts, requests: result.requests };
  } catch (error) {
    const reason = connectorErrorReason(error);
    // The answered request is the last one: its history entry says why it did not count.
    const requests = result.requests.map((r, i, all) => (i === all.length - 1 ? { ...r, error: reason } : r));
    return { verdict: retryVerdict(result.status, reason), attempts, requests };
  }
}

const REASON_LENGTH = 200;

/**
 * What an exception thrown while building a request or judging an answer says in the attempt
 * history: one short line, `connector error: <name>: <message>`.
 */
export function connectorErrorReason(error: unknown): string {
  let described: string;
  try {
    described = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    described = 'unreadable exception';
  }
  return `connector error: ${described.replace(/\s+/g, ' ')}`.slice(0, REASON_LENGTH);
}

/** Parses a JSON answer body; undefined when it is not JSON (or was cut at the size cap). */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
