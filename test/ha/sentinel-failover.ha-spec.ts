import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmSandbox } from '../../src/dev/sandbox/crm-sandbox';
import { describeWithRedisBinaries } from '../support/redis-suites';
import { SentinelTopology, startSentinelTopology } from '../support/redis-topologies';
import { ServiceProcess } from '../support/service-process';
import { waitFor } from '../support/wait-for';
import { describeReport, expectOrderlyOutage, killTheMasterUnderLoad, startServices } from './failover-run';

/**
 * A master, one replica, three sentinels; 200 signed events/s for 20 s; `kill -9` of the master
 * at second 5 (restarted once the replica is promoted: it comes back as the new master's replica).
 * With REDIS_MIN_REPLICAS_ACK=1 nothing acknowledged may be lost or applied twice; without it the
 * run reports what was lost (docs/scaling.md#high-availability quotes these lines).
 */

jest.setTimeout(300_000);

describeWithRedisBinaries('Sentinel: kill -9 the master under 200 signed events/s', () => {
  let root: string;
  const running: ServiceProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(() => (root = mkdtempSync(join(tmpdir(), 'ccs-ha-sentinel-'))));
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  /**
   * One run on a fresh topology and CRM; `killOne`: the first instance is killed right after the
   * master. With replica acks the killed master comes back only once every live instance was seen
   * unready (the one replica is the promoted master, so nothing can confirm until it is back).
   */
  async function run(name: string, instances: number, env: Record<string, string>, killOne = false) {
    const acks = env.REDIS_MIN_REPLICAS_ACK !== '0';
    const live = killOne ? [1] : [0];
    const topology: SentinelTopology = await startSentinelTopology();
    cleanups.push(() => topology.close());
    const sandbox = new CrmSandbox({ port: 0 });
    await sandbox.start();
    cleanups.push(() => sandbox.stop());
    const services = await startServices(
      instances,
      root,
      sandbox,
      { REDIS_SENTINELS: topology.sentinelList, REDIS_SENTINEL_MASTER: topology.masterName, ...env },
      running,
    );
    const report = await killTheMasterUnderLoad({
      name,
      sandbox,
      services,
      master: async () => topology.master,
      rejoin: (node) => topology.rejoin(node),
      unreadyBeforeRejoin: acks ? live : [],
      afterKill: killOne ? () => services.services[0].stop('SIGKILL').then(() => undefined) : undefined,
      promoted: () =>
        waitFor(async () => (await topology.currentMasterPort()) === topology.replica.port, {
          what: 'the sentinels promote the replica',
          timeoutMs: 60_000,
        }).then(() => undefined),
    });
    // The figures docs/scaling.md quotes (printed while the run is fresh: jest may exit before afterAll's output).
    console.log(`HA report: ${describeReport(report)}`);
    return report;
  }

  it('with REDIS_MIN_REPLICAS_ACK=1: every settled event reaches the CRM exactly once', async () => {
    const report = await run('sentinel-acks', 1, { REDIS_MIN_REPLICAS_ACK: '1' });
    expectOrderlyOutage(report, [0]);
    expect({ lost: report.lost, appliedTwice: report.appliedTwice }).toEqual({ lost: [], appliedTwice: [] });
    expect(report.unsettledTwice).toEqual([]);
    expect(report.acceptedAgainMs).not.toBeNull();
  });

  it('without replica acks: the same run, its acknowledged losses reported (not asserted)', async () => {
    const report = await run('sentinel-no-acks', 1, { REDIS_MIN_REPLICAS_ACK: '0' });
    expectOrderlyOutage(report, []);
    expect(report.appliedTwice).toEqual([]);
  });

  it('two instances with REDIS_MIN_REPLICAS_ACK=1, one killed during the failover: nothing lost, nothing applied twice', async () => {
    const report = await run('sentinel-two', 2, { REDIS_MIN_REPLICAS_ACK: '1' }, true);
    expectOrderlyOutage(report, [1]);
    expect({ lost: report.lost, appliedTwice: report.appliedTwice }).toEqual({ lost: [], appliedTwice: [] });
    expect(report.unsettledTwice).toEqual([]);
  });
});
