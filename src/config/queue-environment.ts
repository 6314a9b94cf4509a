import { Transform } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { toInt, toLower } from './env-transforms';

/** The store: its driver, SQLite's durability, delivery leases, and how long dedup keys and record states live. */
export class QueueEnvironment {
  @Transform(toInt)
  @IsInt()
  @Min(1)
  DEDUP_TTL_SECONDS = 86400;

  /** Each record's newest delivered event time is kept this long; older events are refused at receipt. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RECORD_STATE_TTL_SECONDS = 2592000;

  @Transform(toLower)
  @IsIn(['sqlite', 'redis'])
  QUEUE_DRIVER = 'sqlite';

  @Transform(toLower)
  @IsIn(['full', 'normal'])
  SQLITE_SYNCHRONOUS = 'full';

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  QUEUE_LEASE_MS = 30000;
}

/** How the queue variables combine. */
export function queueProblems(env: QueueEnvironment): string[] {
  const problems: string[] = [];
  if (env.RECORD_STATE_TTL_SECONDS < env.DEDUP_TTL_SECONDS) {
    problems.push('RECORD_STATE_TTL_SECONDS: must not be smaller than DEDUP_TTL_SECONDS');
  }
  return problems;
}
