import { Logger } from '@nestjs/common';
import IORedis, { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { readFileSync } from 'node:fs';
import { ConnectionOptions } from 'node:tls';
import { RedisConfig, RedisTls } from '../config/redis.config';

/** A connection to the master (one server or a Sentinel-managed master) or to a Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * `fail-fast`: the webhook path and the operators; while no master answers, a command fails at
 * once (nothing queued while disconnected) or after COMMAND_TIMEOUT_MS, so the sender gets a 503
 * and retries. `patient`: BullMQ's worker, which waits for Redis to come back (BullMQ requires
 * `maxRetriesPerRequest: null` there).
 */
export type ConnectionKind = 'fail-fast' | 'patient';

/** One command waits at most this long for Redis (a webhook's is then answered 503). */
export const COMMAND_TIMEOUT_MS = 2000;

const KIND_OPTIONS: Record<ConnectionKind, RedisOptions> = {
  'fail-fast': { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS },
  patient: { enableOfflineQueue: true, maxRetriesPerRequest: null },
};

/** A connection that gave up (status `end`) is started again after this long. */
const REVIVE_AFTER_MS = 100;

/**
 * A master that was demoted to replica answers writes with READONLY: reconnect (Sentinel then
 * names the current master); the command itself fails and its caller answers 503 or retries.
 */
const reconnectOnReadonly = (error: Error) => error.message.startsWith('READONLY');

/**
 * The one place that makes Redis connections, for the service's own commands and for BullMQ, from
 * the Redis settings (src/config/redis.config.ts): one server, Sentinel or Cluster, credentials
 * and TLS.
 */
export class RedisClients {
  private readonly logger = new Logger('RedisClients');
  private readonly tls?: ConnectionOptions;
  private readonly clients: RedisClient[] = [];
  private closing = false;

  constructor(private readonly config: RedisConfig) {
    this.tls = config.tls ? tlsOptions(config.tls) : undefined;
  }

  /**
   * A new connection of this kind, named `ccs:<name>` (CLIENT LIST shows who is who); a fail-fast
   * one that must wait longer for some command (WAIT) is given its `commandTimeoutMs`.
   */
  connect(kind: ConnectionKind, name: string, commandTimeoutMs?: number): RedisClient {
    const client = this.create(kind, name, commandTimeoutMs);
    this.clients.push(client);
    this.revive(client, name);
    return client;
  }

  /** Ends every connection made here (BullMQ closes only those it opened itself). */
  async quitAll(): Promise<void> {
    this.closing = true;
    await Promise.all(this.clients.map((client) => client.quit().catch(() => client.disconnect())));
  }

  /**
   * ioredis gives a connection up for good (status `end`) in some races, e.g. Sentinel's
   * +switch-master arriving while it asks the sentinels for the new master (redis/ioredis#1683):
   * every later command then fails "Connection is closed" until a restart. Started again here,
   * so the service follows the next master by itself.
   */
  private revive(client: RedisClient, name: string): void {
    client.on('end', () => {
      if (this.closing) return;
      this.logger.warn(`Redis connection ccs:${name} ended; connecting again`);
      setTimeout(() => {
        if (!this.closing) client.connect().catch(() => undefined);
      }, REVIVE_AFTER_MS).unref();
    });
  }

  private create(kind: ConnectionKind, name: string, commandTimeoutMs?: number): RedisClient {
    const { topology } = this.config;
    const options: RedisOptions = {
      ...KIND_OPTIONS[kind],
      ...(commandTimeoutMs === undefined ? {} : { commandTimeout: commandTimeoutMs }),
      username: this.config.username,
      password: this.config.password,
      tls: this.tls,
      connectionName: `ccs:${name}`,
      reconnectOnError: reconnectOnReadonly,
    };
    if (topology.kind === 'cluster') {
      const clusterOptions: ClusterOptions = {
        redisOptions: options,
        enableOfflineQueue: options.enableOfflineQueue,
        // Certificates name hosts, and a managed cluster's nodes announce names: keep them as given.
        dnsLookup: (address, callback) => callback(null, address),
      };
      return new Cluster(topology.nodes, clusterOptions);
    }
    if (topology.kind === 'sentinel') {
      return new IORedis({
        ...options,
        db: this.config.database,
        sentinels: topology.sentinels,
        name: topology.masterName,
        sentinelPassword: topology.sentinelPassword,
        role: 'master',
        // Sentinel's +switch-master ends the connection to a master that was replaced, even when
        // that master still answers (a partition), instead of writing on until it is demoted.
        failoverDetector: true,
        enableTLSForSentinelMode: this.tls !== undefined,
        sentinelTLS: this.tls,
      });
    }
    return new IORedis({ ...options, db: this.config.database, host: topology.host, port: topology.port });
  }

  /**
   * A short-lived connection to one node by address (a replica, to read its persistence settings),
   * with the service's credentials and TLS; it does not reconnect.
   */
  connectNode(host: string, port: number): Redis {
    return new IORedis({
      host,
      port,
      username: this.config.username,
      password: this.config.password,
      tls: this.tls,
      lazyConnect: true,
      connectTimeout: COMMAND_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
  }

  /** Where Redis is, for the log: addresses and names, never credentials. */
  describe(): string {
    const { topology } = this.config;
    const scheme = this.config.tls ? 'rediss' : 'redis';
    const list = (addresses: Array<{ host: string; port: number }>) =>
      addresses.map(({ host, port }) => `${host}:${port}`).join(',');
    if (topology.kind === 'sentinel') {
      return `Redis master ${topology.masterName} (${scheme}) via Sentinels ${list(topology.sentinels)}`;
    }
    if (topology.kind === 'cluster') return `Redis Cluster (${scheme}) via ${list(topology.nodes)}`;
    const database = this.config.database === 0 ? '' : `/${this.config.database}`;
    return `Redis at ${scheme}://${topology.host}:${topology.port}${database}`;
  }
}

/** The CA, client certificate and key, read once when the store starts. */
function tlsOptions(tls: RedisTls): ConnectionOptions {
  return {
    ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
    ...(tls.certFile ? { cert: readFileSync(tls.certFile) } : {}),
    ...(tls.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
  };
}

/** `work`, or `error()` once `ms` have passed (the work itself goes on). */
export function withTimeout<T>(work: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(error()), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
