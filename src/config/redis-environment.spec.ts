import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigValidationError,
  ConnectorEnvironment,
  EnvironmentWithCrm,
  validateEnvironment as validateWith,
} from './environment';
import { redisConfig } from './redis.config';

const REDIS = { QUEUE_DRIVER: 'redis' };
/** A stand-in for the Crm module's registry (config knows connectors only through this interface). */
const CONNECTORS: ConnectorEnvironment[] = [{ name: 'generic', maxBatchSize: 1, problems: () => [] }];
const validateEnvironment = (raw: Record<string, string>) => validateWith(raw, CONNECTORS);

/** The "NAME: rule" lines of the refusal of `raw`; fails the test when it is accepted. */
function problemsOf(raw: Record<string, string>): string[] {
  try {
    validateEnvironment(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).problems;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be refused`);
}

const configOf = (raw: Record<string, string>) => redisConfig(validateEnvironment(raw) as EnvironmentWithCrm);

describe('Redis settings (QUEUE_DRIVER=redis)', () => {
  let dir: string;
  let readable: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-redis-env-'));
    readable = join(dir, 'ca.crt');
    writeFileSync(readable, 'not checked here: the TLS handshake reads it');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to one server at REDIS_URL, no TLS, no replica acknowledgement', () => {
    expect(configOf(REDIS)).toEqual({
      topology: { kind: 'standalone', host: '127.0.0.1', port: 6379 },
      username: undefined,
      password: undefined,
      database: 0,
      tls: null,
      keyPrefix: 'ccs',
      minReplicasAck: 0,
      replicaAckTimeoutMs: 1000,
      enqueueDeadlineMs: 5000,
    });
  });

  it('takes credentials and the database from REDIS_URL, REDIS_USERNAME / REDIS_PASSWORD winning', () => {
    const url = 'rediss://app:p%40ss@redis.internal:6380/2';
    expect(configOf({ ...REDIS, REDIS_URL: url })).toMatchObject({
      topology: { kind: 'standalone', host: 'redis.internal', port: 6380 },
      username: 'app',
      password: 'p@ss',
      database: 2,
      tls: {},
    });
    expect(configOf({ ...REDIS, REDIS_URL: url, REDIS_USERNAME: 'ops', REDIS_PASSWORD: 'secret' })).toMatchObject({
      username: 'ops',
      password: 'secret',
    });
  });

  it('reads Sentinel addresses, the master group and the Sentinel password', () => {
    const config = configOf({
      ...REDIS,
      REDIS_SENTINELS: 'sentinel-0:26379, 10.0.0.2:26379,[::1]:26380',
      REDIS_SENTINEL_MASTER: 'mymaster',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
    });
    expect(config.topology).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 'sentinel-0', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      masterName: 'mymaster',
      sentinelPassword: 'sentinel-secret',
    });
  });

  it('puts every key of a Cluster under the prefix in a hash tag, so all share one slot', () => {
    const config = configOf({ ...REDIS, REDIS_CLUSTER_NODES: 'a:7000,b:7001', REDIS_KEY_PREFIX: 'crm' });
    expect(config.topology).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
    });
    expect(config.keyPrefix).toBe('{crm}');
  });

  it('takes the TLS files with rediss:// and the replica acknowledgement', () => {
    const config = configOf({
      ...REDIS,
      REDIS_URL: 'rediss://redis.internal:6380',
      REDIS_TLS_CA_FILE: readable,
      REDIS_TLS_CERT_FILE: readable,
      REDIS_TLS_KEY_FILE: readable,
      REDIS_MIN_REPLICAS_ACK: '1',
      REDIS_REPLICA_ACK_TIMEOUT_MS: '250',
    });
    expect(config).toMatchObject({
      tls: { caFile: readable, certFile: readable, keyFile: readable },
      minReplicasAck: 1,
      replicaAckTimeoutMs: 250,
    });
  });

  it('refuses every bad Redis variable at once, naming each', () => {
    const problems = problemsOf({
      ...REDIS,
      REDIS_SENTINELS: 'sentinel-0',
      REDIS_CLUSTER_NODES: 'a:7000,,b',
      REDIS_MIN_REPLICAS_ACK: '-1',
      REDIS_REPLICA_ACK_TIMEOUT_MS: 'soon',
      REDIS_TLS_CA_FILE: join(dir, 'missing.crt'),
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'REDIS_CLUSTER_NODES',
      'REDIS_MIN_REPLICAS_ACK',
      'REDIS_REPLICA_ACK_TIMEOUT_MS',
      'REDIS_SENTINELS',
      'REDIS_SENTINEL_MASTER',
      'REDIS_TLS_CA_FILE',
    ]);
  });

  it.each([
    [{ REDIS_SENTINELS: 'a:26379' }, 'REDIS_SENTINEL_MASTER: required with REDIS_SENTINELS'],
    [{ REDIS_SENTINEL_MASTER: 'mymaster' }, 'REDIS_SENTINEL_MASTER: only with REDIS_SENTINELS'],
    [{ REDIS_SENTINEL_PASSWORD: 'x' }, 'REDIS_SENTINEL_PASSWORD: only with REDIS_SENTINELS'],
    [
      { REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_MASTER: 'm', REDIS_CLUSTER_NODES: 'b:7000' },
      'REDIS_CLUSTER_NODES: not together with REDIS_SENTINELS',
    ],
    [{ REDIS_SENTINELS: 'a:99999', REDIS_SENTINEL_MASTER: 'm' }, 'REDIS_SENTINELS: every port must be 1-65535'],
    [
      { REDIS_CLUSTER_NODES: 'a:7000', REDIS_KEY_PREFIX: '{ccs}' },
      'REDIS_KEY_PREFIX: no { or } with REDIS_CLUSTER_NODES',
    ],
    [{ REDIS_CLUSTER_NODES: 'a:7000', REDIS_URL: 'redis://x:6379/3' }, 'REDIS_URL: Redis Cluster has database 0 only'],
    [{ REDIS_URL: 'redis://x:6379/zero' }, 'REDIS_URL: its path must be a database number'],
    [{ REDIS_REPLICA_ACK_TIMEOUT_MS: '7000' }, 'REDIS_REPLICA_ACK_TIMEOUT_MS: at most WEBHOOK_BODY_TIMEOUT_MS - 4000'],
    [{ REDIS_TLS_CA_FILE: '/etc/hostname' }, 'REDIS_TLS_CA_FILE: only with a rediss:// REDIS_URL'],
    [
      { REDIS_URL: 'rediss://x:6380', REDIS_TLS_CERT_FILE: '/etc/hostname' },
      'REDIS_TLS_KEY_FILE: required with REDIS_TLS_CERT_FILE',
    ],
    [
      { REDIS_URL: 'rediss://x:6380', REDIS_TLS_KEY_FILE: '/etc/hostname' },
      'REDIS_TLS_CERT_FILE: required with REDIS_TLS_KEY_FILE',
    ],
  ])('%j is refused: %s', (raw, problem) => {
    expect(problemsOf({ ...REDIS, ...raw }).join('\n')).toContain(problem);
  });

  it('never echoes a password in a refusal', () => {
    const problems = problemsOf({
      ...REDIS,
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret-value',
      REDIS_PASSWORD: 'redis-secret-value',
      REDIS_URL: 'redis://u:url-secret-value@x:6379/zero',
    });
    expect(problems.join('\n')).not.toMatch(/secret-value/);
  });

  it('leaves the Redis combinations alone with the SQLite driver', () => {
    expect(() => validateEnvironment({ REDIS_SENTINEL_MASTER: 'unused' })).not.toThrow();
  });
});
