import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { accessSync, constants } from 'node:fs';
import { splitList, toInt, toTrimmed } from './env-transforms';

/** host:port, the host a name, an IPv4 address or a bracketed IPv6 address. */
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[^\s,:[\]]+):(\d{1,5})$/;
const HOST_PORT_LIST =
  /^\s*(\[[0-9A-Fa-f:.]+\]|[^\s,:[\]]+):\d{1,5}\s*(,\s*(\[[0-9A-Fa-f:.]+\]|[^\s,:[\]]+):\d{1,5}\s*)*$/;

/**
 * An enqueue's commands together get this long, the replicas' acknowledgement its own timeout on
 * top: a webhook is answered within the sum (503 past it), which must fit in WEBHOOK_BODY_TIMEOUT_MS.
 */
export const REDIS_ENQUEUE_DEADLINE_MS = 4000;

/** One address of a host:port list. */
export interface HostPort {
  host: string;
  port: number;
}

/** The addresses of a validated host:port list (IPv6 without its brackets). */
export function hostPorts(list: string | undefined): HostPort[] {
  return splitList(list).map((entry) => {
    const [, host, port] = HOST_PORT.exec(entry) ?? ['', '', '0'];
    return { host: host.replace(/^\[|\]$/g, ''), port: Number(port) };
  });
}

/**
 * The variables of the Redis driver (QUEUE_DRIVER=redis): where Redis is (one server, Sentinel or
 * Cluster), how to authenticate and encrypt, and how many replicas must hold an event before its
 * 202. One of Environment's concerns; docs/scaling.md#high-availability says how they combine.
 */
export class RedisEnvironment {
  @Transform(toTrimmed)
  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @Transform(toTrimmed)
  @IsString()
  REDIS_KEY_PREFIX = 'ccs';

  @Transform(toTrimmed)
  @IsOptional()
  @Matches(HOST_PORT_LIST, { message: 'REDIS_SENTINELS must be a comma-separated list of host:port' })
  REDIS_SENTINELS?: string;

  @Transform(toTrimmed)
  @IsOptional()
  @IsString()
  REDIS_SENTINEL_MASTER?: string;

  @Transform(toTrimmed)
  @IsOptional()
  @IsString()
  REDIS_USERNAME?: string;

  @IsOptional()
  @IsString()
  REDIS_PASSWORD?: string;

  @IsOptional()
  @IsString()
  REDIS_SENTINEL_PASSWORD?: string;

  @Transform(toTrimmed)
  @IsOptional()
  @Matches(HOST_PORT_LIST, { message: 'REDIS_CLUSTER_NODES must be a comma-separated list of host:port' })
  REDIS_CLUSTER_NODES?: string;

  @Transform(toTrimmed)
  @IsOptional()
  @IsString()
  REDIS_TLS_CA_FILE?: string;

  @Transform(toTrimmed)
  @IsOptional()
  @IsString()
  REDIS_TLS_CERT_FILE?: string;

  @Transform(toTrimmed)
  @IsOptional()
  @IsString()
  REDIS_TLS_KEY_FILE?: string;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100)
  REDIS_MIN_REPLICAS_ACK = 0;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(60_000)
  REDIS_REPLICA_ACK_TIMEOUT_MS = 1000;
}

type RedisVariable = keyof RedisEnvironment;

/** A file the process must be able to read at startup, named by the variable that points at it. */
function unreadable(env: RedisEnvironment, name: RedisVariable): string | null {
  const path = env[name];
  if (typeof path !== 'string') return null;
  try {
    accessSync(path, constants.R_OK);
    return null;
  } catch {
    return `${name}: not a readable file`;
  }
}

function addressPorts(env: RedisEnvironment, name: 'REDIS_SENTINELS' | 'REDIS_CLUSTER_NODES'): string | null {
  const bad = hostPorts(env[name]).some(({ port }) => port < 1 || port > 65535);
  return bad ? `${name}: every port must be 1-65535` : null;
}

/**
 * How the Redis variables combine; checked only with QUEUE_DRIVER=redis (`failed`: already
 * refused; `bodyTimeoutMs`: WEBHOOK_BODY_TIMEOUT_MS, the longest a webhook may wait for its answer).
 */
export function redisProblems(env: RedisEnvironment, failed: Set<string>, bodyTimeoutMs: number): string[] {
  const problems: Array<string | null> = [];
  if (REDIS_ENQUEUE_DEADLINE_MS + env.REDIS_REPLICA_ACK_TIMEOUT_MS > bodyTimeoutMs) {
    problems.push(
      `REDIS_REPLICA_ACK_TIMEOUT_MS: at most WEBHOOK_BODY_TIMEOUT_MS - ${REDIS_ENQUEUE_DEADLINE_MS} (a webhook is answered within WEBHOOK_BODY_TIMEOUT_MS)`,
    );
  }
  const sentinel = env.REDIS_SENTINELS !== undefined;
  const cluster = env.REDIS_CLUSTER_NODES !== undefined;
  if (sentinel) problems.push(addressPorts(env, 'REDIS_SENTINELS'));
  if (cluster) problems.push(addressPorts(env, 'REDIS_CLUSTER_NODES'));
  if (sentinel && cluster) problems.push('REDIS_CLUSTER_NODES: not together with REDIS_SENTINELS (pick one topology)');
  if (sentinel && env.REDIS_SENTINEL_MASTER === undefined) {
    problems.push('REDIS_SENTINEL_MASTER: required with REDIS_SENTINELS (the master group name)');
  }
  if (!sentinel && env.REDIS_SENTINEL_MASTER !== undefined) {
    problems.push('REDIS_SENTINEL_MASTER: only with REDIS_SENTINELS');
  }
  if (!sentinel && env.REDIS_SENTINEL_PASSWORD !== undefined) {
    problems.push('REDIS_SENTINEL_PASSWORD: only with REDIS_SENTINELS');
  }
  if (cluster && /[{}]/.test(env.REDIS_KEY_PREFIX)) {
    problems.push('REDIS_KEY_PREFIX: no { or } with REDIS_CLUSTER_NODES (the service puts the prefix in a hash tag)');
  }
  const database = failed.has('REDIS_URL') ? 0 : databaseOf(env.REDIS_URL);
  if (!Number.isInteger(database)) problems.push('REDIS_URL: its path must be a database number (e.g. /0)');
  else if (cluster && database !== 0) problems.push('REDIS_URL: Redis Cluster has database 0 only');
  const tls = env.REDIS_URL.startsWith('rediss://');
  for (const name of ['REDIS_TLS_CA_FILE', 'REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE'] as const) {
    if (env[name] === undefined) continue;
    problems.push(tls ? unreadable(env, name) : `${name}: only with a rediss:// REDIS_URL (TLS)`);
  }
  if (env.REDIS_TLS_CERT_FILE !== undefined && env.REDIS_TLS_KEY_FILE === undefined) {
    problems.push('REDIS_TLS_KEY_FILE: required with REDIS_TLS_CERT_FILE (a client certificate needs its key)');
  }
  if (env.REDIS_TLS_KEY_FILE !== undefined && env.REDIS_TLS_CERT_FILE === undefined) {
    problems.push('REDIS_TLS_CERT_FILE: required with REDIS_TLS_KEY_FILE (a client key needs its certificate)');
  }
  return problems.filter((problem): problem is string => problem !== null);
}

/** The database number of a redis:// URL (its path), 0 when it names none, NaN when it is not a number. */
export function databaseOf(url: string): number {
  const path = new URL(url).pathname.replace(/^\//, '');
  return path === '' ? 0 : /^\d+$/.test(path) ? Number(path) : Number.NaN;
}
