import { RedisFleet, RedisNode } from './support/redis-processes';
import { applications, describeWithRedisBinaries, postEvent, redisServiceSuite } from './support/redis-suites';
import { startSentinelTopology } from './support/redis-topologies';
import { call } from './support/service-process';
import { waitFor } from './support/wait-for';

/**
 * A Redis master that stops answering without closing its connections (a hung process, a network
 * partition: here SIGSTOP) is the case where a client can wait forever. The service must answer
 * every webhook within WEBHOOK_BODY_TIMEOUT_MS all the same (503 with Retry-After, never a 500),
 * turn unready, and carry on by itself once a master answers: the same one resumed, or (Sentinel)
 * the replica promoted meanwhile, which the service finds without its old connections closing.
 */

const SECRET = 'failover-secret';
/** The webhooks' deadline in these tests: a try unanswered after it is a hang, and fails the test. */
const BODY_TIMEOUT_MS = 8000;

describeWithRedisBinaries('a Redis master that stops answering', () => {
  const suite = redisServiceSuite('failover', SECRET);
  const { sandbox, track } = suite;
  const paused: RedisNode[] = [];
  // Before the suite's own afterEach kills them: a paused process is resumed first.
  afterEach(() => paused.splice(0).forEach((node) => node.running() && node.resume()));

  async function start(redis: Record<string, string>): Promise<number> {
    const settings = { WEBHOOK_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS), ADMIN_TOKEN: 'failover-admin', ...redis };
    return (await suite.start(settings)).port;
  }

  /** Posts `key` once: the answer must come within the deadline, and be a 202 or a 503 with Retry-After. */
  async function answered(port: number, key: string): Promise<number> {
    const answer = await postEvent(port, SECRET, key, BODY_TIMEOUT_MS);
    if (answer.status !== 202) expect([key, answer.status, answer.headers['retry-after']]).toEqual([key, 503, '5']);
    return answer.status;
  }

  const readiness = async (port: number) =>
    (await call(port, 'GET', '/health/ready', { timeoutMs: BODY_TIMEOUT_MS })).status;

  it('one server paused: every webhook answered 503 with Retry-After in time, unready; resumed: accepted and delivered', async () => {
    const fleet = track(new RedisFleet());
    const redis = await fleet.server('master', ['appendonly yes']);
    const port = await start({ REDIS_URL: `redis://127.0.0.1:${redis.port}` });
    expect(await answered(port, 'paused-before')).toBe(202);

    redis.pause();
    paused.push(redis);
    for (const key of ['paused-1', 'paused-2', 'paused-3']) expect(await answered(port, key)).toBe(503);
    expect(await readiness(port)).toBe(503);

    redis.resume();
    await waitFor(async () => (await answered(port, 'paused-after')) === 202, { what: 'accepted again' });
    expect(await readiness(port)).toBe(200);
    for (const key of ['paused-before', 'paused-after']) {
      await waitFor(() => applications(sandbox, key) === 1, { what: `C-${key} applied once` });
    }
  }, 90_000);

  it('Sentinel, master paused: 503s in time while the sentinels promote the replica, then accepted on it by itself', async () => {
    const topology = track(await startSentinelTopology());
    const port = await start({ REDIS_SENTINELS: topology.sentinelList, REDIS_SENTINEL_MASTER: topology.masterName });
    expect(await answered(port, 'partition-before')).toBe(202);

    // Its connections stay open: only Sentinel's +switch-master can tell the service to move.
    topology.master.pause();
    paused.push(topology.master);
    const statuses: number[] = [];
    await waitFor(
      async () => {
        const status = await answered(port, 'partition-after');
        statuses.push(status);
        return status === 202;
      },
      { what: 'accepted on the promoted replica', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(statuses).toContain(503);
    expect(await topology.currentMasterPort()).toBe(topology.replica.port);
    await waitFor(async () => (await readiness(port)) === 200, { what: 'ready again' });
    for (const key of ['partition-before', 'partition-after']) {
      await waitFor(() => applications(sandbox, key) === 1, { what: `C-${key} applied once` });
    }
  }, 120_000);
});
