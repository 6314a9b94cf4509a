import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import IORedis, { RedisOptions } from 'ioredis';
import { freePort } from './service-process';
import { RedisFleet, RedisNode } from './redis-processes';
import { makeTestPki } from './test-certificates';
import { waitFor } from './wait-for';

const run = promisify(execFile);

/** Credentials of the data nodes (ACL user when `username` is set) and of the sentinels. */
export interface RedisAuth {
  username?: string;
  password?: string;
  sentinelPassword?: string;
}

/**
 * Every data node appends to an AOF fsync'd every second: what docs/scaling.md asks of production,
 * so what the failover tests lose is what replication loses, not what a restart would.
 */
const DATA_NODE = ['appendonly yes', 'appendfsync everysec', 'save ""', 'repl-diskless-sync-delay 0'];

/** Runs one command on a node and disconnects. */
export async function command(port: number, auth: RedisAuth, ...args: (string | number)[]): Promise<unknown> {
  const options: RedisOptions = {
    host: '127.0.0.1',
    port,
    username: auth.username,
    password: auth.password,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
  };
  const client = new IORedis(options);
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(String(args[0]), ...args.slice(1).map(String));
  } finally {
    client.disconnect();
  }
}

/** `INFO <section>` as key/value pairs. */
export async function info(port: number, auth: RedisAuth, section: string): Promise<Record<string, string>> {
  const text = String(await command(port, auth, 'INFO', section));
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
}

function dataAuth({ username, password }: RedisAuth): string[] {
  if (!password) return [];
  if (!username) return [`requirepass ${password}`, `masterauth ${password}`];
  return [
    `user ${username} on >${password} ~* &* +@all`,
    'user default off',
    `masteruser ${username}`,
    `masterauth ${password}`,
  ];
}

/** Waits until `master` has `replicas` replicas online. */
export async function waitForReplicas(master: RedisNode, auth: RedisAuth, replicas: number): Promise<void> {
  await waitFor(
    async () => {
      const replication = await info(master.port, auth, 'replication');
      const online = Object.entries(replication).filter(([k, v]) => /^slave\d+$/.test(k) && v.includes('state=online'));
      return replication.role === 'master' && online.length >= replicas;
    },
    { what: `${replicas} replica(s) of ${master.name} online`, timeoutMs: 30000 },
  );
}

export interface SentinelTopology {
  fleet: RedisFleet;
  auth: RedisAuth;
  masterName: string;
  /** The master at start; after a failover, the replica holds that role. */
  master: RedisNode;
  replica: RedisNode;
  sentinels: RedisNode[];
  /** REDIS_SENTINELS for these sentinels. */
  sentinelList: string;
  /** The port the sentinels name as master now (asked of the first one answering). */
  currentMasterPort(): Promise<number>;
  /**
   * Starts a killed data node again as the replica of the current master, as an orchestrator's
   * start script does (it asks the sentinels first), instead of as the master it was.
   */
  rejoin(node: RedisNode): Promise<void>;
  close(): Promise<void>;
}

/**
 * A master, one replica and three sentinels (quorum 2) watching them, on loopback ports. The
 * sentinels call a master down after `downAfterMs` without an answer.
 */
export async function startSentinelTopology(
  options: { auth?: RedisAuth; downAfterMs?: number; masterName?: string } = {},
): Promise<SentinelTopology> {
  const { auth = {}, downAfterMs = 1000, masterName = 'ccs-master' } = options;
  const fleet = new RedisFleet();
  try {
    const master = await fleet.server('master', [...DATA_NODE, ...dataAuth(auth)]);
    const replica = await fleet.server('replica', [
      ...DATA_NODE,
      ...dataAuth(auth),
      `replicaof 127.0.0.1 ${master.port}`,
    ]);
    await waitForReplicas(master, auth, 1);
    const watch = [
      `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 2`,
      `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
      `sentinel failover-timeout ${masterName} 10000`,
      ...(auth.username ? [`sentinel auth-user ${masterName} ${auth.username}`] : []),
      ...(auth.password ? [`sentinel auth-pass ${masterName} ${auth.password}`] : []),
      ...(auth.sentinelPassword ? [`requirepass ${auth.sentinelPassword}`] : []),
    ];
    const sentinels: RedisNode[] = [];
    for (const name of ['sentinel-a', 'sentinel-b', 'sentinel-c']) sentinels.push(await fleet.sentinel(name, watch));
    const sentinelAuth = { password: auth.sentinelPassword };
    // A failover needs the quorum: every sentinel must know the replica and the two others.
    await waitFor(
      async () => {
        for (const sentinel of sentinels) {
          const fields = (await command(sentinel.port, sentinelAuth, 'SENTINEL', 'MASTER', masterName)) as string[];
          const field = (name: string) => Number(fields[fields.indexOf(name) + 1]);
          if (field('num-slaves') < 1 || field('num-other-sentinels') < 2) return false;
        }
        return true;
      },
      { what: 'the three sentinels know each other and the replica', timeoutMs: 30000 },
    );
    const topology: SentinelTopology = {
      fleet,
      auth,
      masterName,
      master,
      replica,
      sentinels,
      sentinelList: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      async currentMasterPort() {
        for (const sentinel of sentinels.filter((s) => s.running())) {
          try {
            const [, port] = (await command(
              sentinel.port,
              sentinelAuth,
              'SENTINEL',
              'GET-MASTER-ADDR-BY-NAME',
              masterName,
            )) as string[];
            return Number(port);
          } catch {
            // Try the next sentinel.
          }
        }
        throw new Error('no sentinel answered');
      },
      async rejoin(node) {
        const master = await topology.currentMasterPort();
        await node.restart([...DATA_NODE, ...dataAuth(auth), `replicaof 127.0.0.1 ${master}`]);
      },
      close: () => fleet.close(),
    };
    return topology;
  } catch (error) {
    await fleet.close();
    throw error;
  }
}

export interface ClusterTopology {
  fleet: RedisFleet;
  /** Six nodes: three masters, one replica each (which is which is the cluster's choice). */
  nodes: RedisNode[];
  /** REDIS_CLUSTER_NODES for every node. */
  nodeList: string;
  /** The node serving `key`'s slot as master now, asked of a running node. */
  masterOf(key: string): Promise<RedisNode>;
  close(): Promise<void>;
}

/**
 * Three masters with one replica each (`redis-cli --cluster create ... --cluster-replicas 1`), on
 * loopback ports with their bus ports chosen free too; a master unreachable for `nodeTimeoutMs`
 * is replaced by its replica.
 */
export async function startRedisCluster(options: { nodeTimeoutMs?: number } = {}): Promise<ClusterTopology> {
  const { nodeTimeoutMs = 1000 } = options;
  const fleet = new RedisFleet();
  try {
    const nodes: RedisNode[] = [];
    for (let i = 0; i < 6; i++) {
      const settings = [
        ...DATA_NODE,
        'cluster-enabled yes',
        'cluster-config-file nodes.conf',
        `cluster-node-timeout ${nodeTimeoutMs}`,
        `cluster-port ${await freePort()}`,
      ];
      nodes.push(await fleet.server(`cluster-${i}`, settings));
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes']);
    await waitFor(
      async () => {
        for (const node of nodes) {
          const state = String(await command(node.port, {}, 'CLUSTER', 'INFO'));
          if (!state.includes('cluster_state:ok')) return false;
          const replication = await info(node.port, {}, 'replication');
          if (replication.role === 'slave' && replication.master_link_status !== 'up') return false;
        }
        return true;
      },
      { what: 'the cluster is ok and every replica in sync', timeoutMs: 60000 },
    );
    const masterOf = async (key: string) => {
      for (const node of nodes.filter((n) => n.running())) {
        try {
          const slot = Number(await command(node.port, {}, 'CLUSTER', 'KEYSLOT', key));
          const ranges = (await command(node.port, {}, 'CLUSTER', 'SLOTS')) as Array<
            [number, number, [string, number]]
          >;
          const range = ranges.find(([from, to]) => from <= slot && slot <= to);
          const owner = range && nodes.find((n) => n.port === Number(range[2][1]));
          if (owner) return owner;
        } catch {
          // Ask the next node.
        }
      }
      throw new Error(`no running node names the master of ${key}`);
    };
    return { fleet, nodes, nodeList: addresses.join(','), masterOf, close: () => fleet.close() };
  } catch (error) {
    await fleet.close();
    throw error;
  }
}

export interface TlsRedis {
  fleet: RedisFleet;
  node: RedisNode;
  /** rediss:// URL of the node. */
  url: string;
  /** The CA that signed the server's and the client's certificates. */
  ca: string;
  client: { cert: string; key: string };
  close(): Promise<void>;
}

/**
 * A redis-server serving TLS only (`tls-port`, no plain port), its certificate made by a CA of the
 * test's own for `serverNames` (subjectAltName entries such as IP:127.0.0.1); it asks clients for
 * a certificate of that CA too when `requireClientCert`.
 */
export async function startTlsRedis(
  options: { serverNames?: string[]; requireClientCert?: boolean } = {},
): Promise<TlsRedis> {
  const { serverNames = ['IP:127.0.0.1', 'DNS:localhost'], requireClientCert = false } = options;
  const fleet = new RedisFleet();
  try {
    const pki = await makeTestPki(`${fleet.root}/pki`);
    const server = await pki.issue('redis-server', serverNames, 'serverAuth');
    const client = await pki.issue('ccs-client', [], 'clientAuth');
    const settings = [
      `tls-cert-file ${server.cert}`,
      `tls-key-file ${server.key}`,
      `tls-ca-cert-file ${pki.ca}`,
      `tls-auth-clients ${requireClientCert ? 'yes' : 'no'}`,
      'save ""',
    ];
    // The readiness PING trusts the CA and presents the client certificate; it checks no host name.
    const tlsClient = { ca: readFileSync(pki.ca), cert: readFileSync(client.cert), key: readFileSync(client.key) };
    const node = await fleet.server('tls', settings, { tls: { ...tlsClient, checkServerIdentity: () => undefined } });
    return {
      fleet,
      node,
      url: `rediss://127.0.0.1:${node.port}`,
      ca: pki.ca,
      client,
      close: () => fleet.close(),
    };
  } catch (error) {
    await fleet.close();
    throw error;
  }
}
