import type { QueueConfig } from '../config/queue.config';
import { AttemptRecord, AttemptResult } from './stored-event';

/** How a claim of the Redis store ends (the FINISH script's action). */
export type FinishAction = 'delivered' | 'retry' | 'release' | 'dead' | 'stale';

/** What the CLAIM script answers: its verdict, with the record's last delivered time (ok) or the head's due time (wait). */
export type ClaimVerdict = [verdict: 'ok' | 'wait' | 'locked' | 'missing' | 'dead' | 'gone', value?: string];

/** The outcome a FINISH records: attempts so far, when to try again, the last answer, the requests made. */
export interface FinishOutcome {
  attempts?: number;
  at?: number;
  result?: AttemptResult;
  made?: AttemptRecord[];
}

/** The FINISH script's arguments after the prefix (redis-scripts.ts), for the delivery `ref`. */
export function finishArguments(
  config: Pick<QueueConfig, 'dedupTtlSeconds' | 'recordStateTtlSeconds'>,
  ref: string,
  token: string,
  action: FinishAction,
  { attempts = 0, at = 0, result, made = [] }: FinishOutcome = {},
): Array<string | number> {
  const created = result?.created;
  return [
    ref,
    token,
    action,
    attempts,
    at,
    result?.status ?? '',
    result?.error ?? '',
    Date.now(),
    config.dedupTtlSeconds * 1000,
    result?.crmRecordId ?? '',
    created === undefined || created === null ? '' : String(created),
    config.recordStateTtlSeconds * 1000,
    ...made.map((attempt) => JSON.stringify(attempt)),
  ];
}
