import { configNamespace } from './config-namespace';
import { Environment } from './environment';
import { databaseOf, HostPort, hostPorts, REDIS_ENQUEUE_DEADLINE_MS } from './redis-environment';

/** Where the Redis master is found. */
export type RedisTopology =
  | { kind: 'standalone'; host: string; port: number }
  | { kind: 'sentinel'; sentinels: HostPort[]; masterName: string; sentinelPassword?: string }
  | { kind: 'cluster'; nodes: HostPort[] };

/** TLS towards Redis (REDIS_URL rediss://): files read when the connections are made. */
export interface RedisTls {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface RedisConfig {
  topology: RedisTopology;
  username?: string;
  password?: string;
  database: number;
  /** null: plain TCP. */
  tls: RedisTls | null;
  /**
   * Every key of the service (BullMQ's too) starts with it: REDIS_KEY_PREFIX, in a hash tag on
   * Cluster (`{ccs}`) so that all keys share one slot and the multi-key scripts stay valid.
   */
  keyPrefix: string;
  /** Replicas that must confirm an enqueue (WAIT) before its 202; 0: the master's answer suffices. */
  minReplicasAck: number;
  replicaAckTimeoutMs: number;
  /** An enqueue answers within this whatever Redis does (a 503 past it); within WEBHOOK_BODY_TIMEOUT_MS. */
  enqueueDeadlineMs: number;
}

/** The Redis driver's settings; also what the store commands (import) read. */
export function redisSettings(env: Environment): RedisConfig {
  const url = new URL(env.REDIS_URL);
  const topology: RedisTopology =
    env.REDIS_SENTINELS !== undefined
      ? {
          kind: 'sentinel',
          sentinels: hostPorts(env.REDIS_SENTINELS),
          masterName: env.REDIS_SENTINEL_MASTER ?? '',
          sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
        }
      : env.REDIS_CLUSTER_NODES !== undefined
        ? { kind: 'cluster', nodes: hostPorts(env.REDIS_CLUSTER_NODES) }
        : { kind: 'standalone', host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 6379) };
  const fromUrl = (part: string) => (part === '' ? undefined : decodeURIComponent(part));
  return {
    topology,
    username: env.REDIS_USERNAME ?? fromUrl(url.username),
    password: env.REDIS_PASSWORD ?? fromUrl(url.password),
    database: databaseOf(env.REDIS_URL),
    tls:
      url.protocol === 'rediss:'
        ? { caFile: env.REDIS_TLS_CA_FILE, certFile: env.REDIS_TLS_CERT_FILE, keyFile: env.REDIS_TLS_KEY_FILE }
        : null,
    keyPrefix: topology.kind === 'cluster' ? `{${env.REDIS_KEY_PREFIX}}` : env.REDIS_KEY_PREFIX,
    minReplicasAck: env.REDIS_MIN_REPLICAS_ACK,
    replicaAckTimeoutMs: env.REDIS_REPLICA_ACK_TIMEOUT_MS,
    enqueueDeadlineMs: REDIS_ENQUEUE_DEADLINE_MS + env.REDIS_REPLICA_ACK_TIMEOUT_MS,
  };
}

export const redisConfig = configNamespace('redis', redisSettings);
