import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSamples } from './support/prometheus-text';
import { RedisFleet, RedisNode } from './support/redis-processes';
import { describeWithRedisBinaries, postEvent } from './support/redis-suites';
import { call, freePort, ServiceProcess, serviceEnv, startService, waitForOutput } from './support/service-process';
import { waitFor } from './support/wait-for';

/**
 * A Redis that restarts without persistence comes back empty: every event queued there is gone.
 * The service must say so (SPEC §11, issue 21 item 7): an error naming how many events it
 * believed queued, `queue_store_resets_total`, and the readiness details; and go on accepting.
 */

const SECRET = 'reset-secret';
const ADMIN = 'reset-admin';

describeWithRedisBinaries('a Redis that lost its data is noticed', () => {
  let root: string;
  let fleet: RedisFleet;
  let redis: RedisNode;
  let service: ServiceProcess;
  let port: number;
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ccs-reset-'));
    fleet = new RedisFleet();
    redis = await fleet.server('volatile', ['appendonly no', 'save ""']);
    port = await freePort();
    service = await startService(
      serviceEnv(port, join(root, 'data'), {
        COGNIGY_WEBHOOK_SECRETS: SECRET,
        ADMIN_TOKEN: ADMIN,
        QUEUE_DRIVER: 'redis',
        REDIS_URL: `redis://127.0.0.1:${redis.port}`,
        DELIVERY_ENABLED: 'false',
      }),
      root,
      running,
    );
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop('SIGKILL')));
    await fleet.close();
    rmSync(root, { recursive: true, force: true });
  });

  const sample = async (name: string, state?: string) => {
    const scrape = await call(port, 'GET', '/metrics');
    return parseSamples(scrape.body).find((s) => s.name === name && s.labels.state === state)?.value;
  };
  const readiness = async () => {
    const answer = await call(port, 'GET', '/health/ready', { headers: { authorization: `Bearer ${ADMIN}` } });
    return { status: answer.status, body: JSON.parse(answer.body) };
  };

  it('warns at startup that this Redis keeps nothing across a restart', async () => {
    await waitForOutput(service, /Redis has neither AOF nor snapshots/);
  });

  it('after a restart that lost 5 queued events: an error naming them, the counter, readiness details; new events accepted', async () => {
    for (const key of ['lost-1', 'lost-2', 'lost-3', 'lost-4', 'lost-5']) {
      expect((await postEvent(port, SECRET, key)).status).toBe(202);
    }
    expect(await sample('queue_events', 'queued')).toBe(5);
    expect(await sample('queue_store_resets_total')).toBe(0);

    await redis.kill();
    await redis.restart();

    await waitFor(async () => (await sample('queue_store_resets_total')) === 1, {
      what: 'queue_store_resets_total 1',
      timeoutMs: 30_000,
    });
    await waitForOutput(service, /Redis lost the event store's keys[^\n]*\n/);
    const error = service
      .output()
      .split('\n')
      .find((line) => line.includes("Redis lost the event store's keys"));
    expect(JSON.parse(error!)).toMatchObject({ level: 50 });
    expect(error).toContain('5 event(s) this instance believed queued');

    const ready = await readiness();
    expect(ready.status).toBe(200);
    expect(ready.body.details.store).toMatchObject({
      status: 'up',
      writable: true,
      resets: { count: 1, latest: { believedQueued: 5 } },
    });
    // The restarted server is checked again (persistence warned a second time), and takes events.
    await waitForOutput(service, /Redis has neither AOF nor snapshots[^]*Redis has neither AOF nor snapshots/);
    expect((await postEvent(port, SECRET, 'after-reset')).status).toBe(202);
    expect(await sample('queue_events', 'queued')).toBe(1);
  }, 60_000);
});
