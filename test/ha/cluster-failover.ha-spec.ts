import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmSandbox } from '../../src/dev/sandbox/crm-sandbox';
import { describeWithRedisBinaries } from '../support/redis-suites';
import { startRedisCluster } from '../support/redis-topologies';
import { ServiceProcess } from '../support/service-process';
import { waitFor } from '../support/wait-for';
import { describeReport, expectOrderlyOutage, killTheMasterUnderLoad, startServices } from './failover-run';

/**
 * Redis Cluster, three masters with one replica each; the service's keys all live in the slot of
 * its hash tag ({ccs}), so one master serves them. 200 signed events/s for 20 s; `kill -9` of that
 * master at second 5 (restarted once its replica took over, coming back as its replica). With
 * REDIS_MIN_REPLICAS_ACK=1 nothing acknowledged may be lost or applied twice.
 */

jest.setTimeout(300_000);

describeWithRedisBinaries('Cluster: kill -9 the master of the service slot under 200 signed events/s', () => {
  let root: string;
  const running: ServiceProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(() => (root = mkdtempSync(join(tmpdir(), 'ccs-ha-cluster-'))));
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('with REDIS_MIN_REPLICAS_ACK=1: every settled event reaches the CRM exactly once', async () => {
    const cluster = await startRedisCluster();
    cleanups.push(() => cluster.close());
    const sandbox = new CrmSandbox({ port: 0 });
    await sandbox.start();
    cleanups.push(() => sandbox.stop());
    const redis = { REDIS_CLUSTER_NODES: cluster.nodeList, REDIS_MIN_REPLICAS_ACK: '1' };
    const services = await startServices(1, root, sandbox, redis, running);
    const report = await killTheMasterUnderLoad({
      name: 'cluster-acks',
      sandbox,
      services,
      master: () => cluster.masterOf('{ccs}'),
      promoted: (killed) =>
        waitFor(async () => (await cluster.masterOf('{ccs}')).port !== killed.port, {
          what: 'a replica serves the slot',
          timeoutMs: 60_000,
        }).then(() => undefined),
      unreadyBeforeRejoin: [0],
    });
    // The figures docs/scaling.md quotes (printed while the run is fresh: jest may exit before afterAll's output).
    console.log(`HA report: ${describeReport(report)}`);
    expectOrderlyOutage(report, [0]);
    expect({ lost: report.lost, appliedTwice: report.appliedTwice }).toEqual({ lost: [], appliedTwice: [] });
    expect(report.unsettledTwice).toEqual([]);
  });
});
