import { once } from 'node:events';
import { join } from 'node:path';
import { RedisFleet } from './support/redis-processes';
import { applications, describeWithRedisBinaries, postEvent, redisServiceSuite } from './support/redis-suites';
import {
  command,
  startRedisCluster,
  startSentinelTopology,
  startTlsRedis,
  waitForReplicas,
} from './support/redis-topologies';
import { call, exitWithin, waitForOutput } from './support/service-process';
import { makeTestPki } from './support/test-certificates';
import { waitFor } from './support/wait-for';

/**
 * The built service on the Redis topologies operators run (docs/scaling.md#high-availability),
 * each started by the test on loopback ports: a Sentinel-managed master with ACL credentials, a
 * Cluster, TLS with a CA and a client certificate. Each accepts and delivers an event; the
 * Sentinel one follows a failover; the TLS one refuses a server whose certificate does not match.
 */

const SECRET = 'topology-secret';

describeWithRedisBinaries('the service on Sentinel, Cluster and TLS Redis', () => {
  const suite = redisServiceSuite('topologies', SECRET);
  const { sandbox, track } = suite;
  const start = (redis: Record<string, string>) => suite.start({ LOG_LEVEL: 'info', ...redis });

  /** Posts `key` until it is accepted, then waits until the CRM applied it. */
  async function acceptedAndDelivered(port: number, key: string): Promise<void> {
    const answer = await postEvent(port, SECRET, key);
    expect({ key, status: answer.status }).toEqual({ key, status: 202 });
    await waitFor(() => applications(sandbox, key) === 1, { what: `C-${key} applied by the CRM` });
  }

  it('Sentinel with ACL user, password and sentinel password: delivers, and follows a failover', async () => {
    const auth = { username: 'ccs-app', password: 'redis-pass-123', sentinelPassword: 'sentinel-pass-456' };
    const topology = track(await startSentinelTopology({ auth }));
    const { service, port } = await start({
      REDIS_SENTINELS: topology.sentinelList,
      REDIS_SENTINEL_MASTER: topology.masterName,
      REDIS_USERNAME: auth.username,
      REDIS_PASSWORD: auth.password,
      REDIS_SENTINEL_PASSWORD: auth.sentinelPassword,
    });
    await waitForOutput(service, new RegExp(`Redis master ${topology.masterName} \\(redis\\) via Sentinels`));
    await acceptedAndDelivered(port, 'sentinel-before');

    await command(
      topology.sentinels[0].port,
      { password: auth.sentinelPassword },
      'SENTINEL',
      'FAILOVER',
      topology.masterName,
    );
    await waitFor(async () => (await topology.currentMasterPort()) === topology.replica.port, {
      what: 'the sentinels name the replica as master',
    });
    // The old master stays a master until the sentinels demote it: the service must move over on
    // Sentinel's +switch-master (it would otherwise write on to a master whose writes are lost).
    await waitFor(
      async () => {
        const clients = String(await command(topology.replica.port, auth, 'CLIENT', 'LIST'));
        return ['commands', 'bullmq-queue', 'bullmq-worker'].every((name) => clients.includes(`name=ccs:${name} `));
      },
      { what: "the service's connections on the new master", timeoutMs: 30_000 },
    );
    // Webhooks during the switch: accepted or refused with 503 and Retry-After, nothing else.
    const accepted = await waitFor(
      async () => {
        const answer = await postEvent(port, SECRET, 'sentinel-after');
        if (answer.status !== 202) expect([answer.status, answer.headers['retry-after']]).toEqual([503, '5']);
        return answer.status === 202 ? (JSON.parse(answer.body) as { eventId: string }) : null;
      },
      { what: 'an event accepted on the new master', timeoutMs: 30_000, intervalMs: 200 },
    );
    await waitFor(() => applications(sandbox, 'sentinel-after') === 1, { what: 'C-sentinel-after applied' });
    const role = await command(topology.replica.port, auth, 'ROLE');
    expect((role as string[])[0]).toBe('master');
    const stored = await command(topology.replica.port, auth, 'EXISTS', `ccs:store:ev:${accepted.eventId}`);
    expect(Number(stored)).toBe(1);
    // No password of any kind in what the service logged.
    for (const secret of Object.values(auth)) expect(service.output()).not.toContain(secret);
  }, 120_000);

  it('Cluster: delivers, every key of the service (BullMQ included) in the one slot of its hash-tagged prefix', async () => {
    const cluster = track(await startRedisCluster());
    const { service, port } = await start({ REDIS_CLUSTER_NODES: cluster.nodeList, REDIS_KEY_PREFIX: 'crm' });
    await waitForOutput(service, /keys under \{crm\}:/);
    await acceptedAndDelivered(port, 'cluster-1');
    await acceptedAndDelivered(port, 'cluster-2');

    const keys: string[] = [];
    for (const node of cluster.nodes) {
      let cursor = '0';
      do {
        const [next, found] = (await command(node.port, {}, 'SCAN', cursor, 'COUNT', 1000)) as [string, string[]];
        keys.push(...found);
        cursor = next;
      } while (cursor !== '0');
    }
    expect(keys.some((k) => k.startsWith('{crm}:bull:'))).toBe(true);
    expect(keys.some((k) => k.startsWith('{crm}:store:ev:'))).toBe(true);
    expect(keys.filter((k) => !k.startsWith('{crm}:'))).toEqual([]);
    const owner = await cluster.masterOf('{crm}');
    const slot = Number(await command(owner.port, {}, 'CLUSTER', 'KEYSLOT', '{crm}'));
    for (const key of new Set(keys)) {
      expect({ key, slot: Number(await command(owner.port, {}, 'CLUSTER', 'KEYSLOT', key)) }).toEqual({ key, slot });
    }
  }, 120_000);

  it('TLS with a CA and a client certificate: connects, delivers', async () => {
    const tls = track(await startTlsRedis({ requireClientCert: true }));
    const { service, port } = await start({
      REDIS_URL: tls.url,
      REDIS_TLS_CA_FILE: tls.ca,
      REDIS_TLS_CERT_FILE: tls.client.cert,
      REDIS_TLS_KEY_FILE: tls.client.key,
    });
    await waitForOutput(service, new RegExp(`Redis at rediss://127\\.0\\.0\\.1:${tls.node.port}`));
    await acceptedAndDelivered(port, 'tls-1');
  }, 60_000);

  /** Starts the service against `redis` and returns its output once it gave up starting. */
  async function refusedStart(redis: Record<string, string>): Promise<string> {
    const service = await suite.run(redis);
    const exit = await exitWithin(service, 30_000);
    expect(exit.code).not.toBe(0);
    // 'exit' may come before the last of its output: read once both streams ended.
    for (const stream of [service.child.stdout, service.child.stderr]) {
      if (stream && !stream.readableEnded) await once(stream, 'end');
    }
    return service.output();
  }

  it('TLS: refuses a server whose certificate names another host, and one signed by another CA', async () => {
    const elsewhere = track(await startTlsRedis({ serverNames: ['DNS:redis.elsewhere.test'] }));
    const wrongHost = await refusedStart({ REDIS_URL: elsewhere.url, REDIS_TLS_CA_FILE: elsewhere.ca });
    expect(wrongHost).toContain(`Redis at ${elsewhere.url} did not answer`);
    expect(wrongHost).toContain('ERR_TLS_CERT_ALTNAME_INVALID');

    const genuine = track(await startTlsRedis());
    const fleet = track(new RedisFleet());
    const otherCa = await makeTestPki(join(fleet.root, 'other'), 'another-ca');
    const wrongCa = await refusedStart({ REDIS_URL: genuine.url, REDIS_TLS_CA_FILE: otherCa.ca });
    expect(wrongCa).toContain(`Redis at ${genuine.url} did not answer`);
    expect(wrongCa).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER_CERT/);
  }, 90_000);

  it('with REDIS_MIN_REPLICAS_ACK=1: 503 with Retry-After while the replica does not confirm, never a 202; then the retry is accepted once', async () => {
    const fleet = track(new RedisFleet());
    const master = await fleet.server('master', ['appendonly yes', 'save ""']);
    // A replica without persistence: the startup warning names it too.
    const replica = await fleet.server('replica', ['appendonly no', 'save ""', `replicaof 127.0.0.1 ${master.port}`]);
    await waitForReplicas(master, {}, 1);
    const { service, port } = await start({
      REDIS_URL: `redis://127.0.0.1:${master.port}`,
      REDIS_MIN_REPLICAS_ACK: '1',
      REDIS_REPLICA_ACK_TIMEOUT_MS: '300',
      ADMIN_TOKEN: 'topology-admin',
    });
    await waitForOutput(
      service,
      new RegExp(`Redis replica 127\\.0\\.0\\.1:${replica.port} has neither AOF nor snapshots`),
    );
    await waitForOutput(service, /each event confirmed by 1 replica\(s\)/);
    await acceptedAndDelivered(port, 'acked-1');

    replica.pause();
    try {
      for (const key of ['acked-2', 'acked-3']) {
        const refused = await postEvent(port, SECRET, key);
        expect([key, refused.status, refused.headers['retry-after']]).toEqual([key, 503, '5']);
      }
      const ready = await call(port, 'GET', '/health/ready', { headers: { authorization: 'Bearer topology-admin' } });
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body).error.store.error).toMatch(/0 of 1 replica\(s\) confirmed/);
    } finally {
      replica.resume();
    }
    await waitFor(async () => (await call(port, 'GET', '/health/ready')).status === 200, { what: 'ready again' });
    // The sender's retries: accepted now (202, or 200 when the first try's event was kept).
    for (const key of ['acked-2', 'acked-3']) {
      const retry = await postEvent(port, SECRET, key);
      expect({ key, status: [200, 202].includes(retry.status) }).toEqual({ key, status: true });
      await waitFor(() => applications(sandbox, key) === 1, { what: `C-${key} applied once` });
    }
  }, 90_000);
});
