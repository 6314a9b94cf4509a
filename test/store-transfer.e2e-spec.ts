import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { cleanRedis, describeWithRedis, driverEnv } from './support/drivers';
import { sandboxEnv } from './support/sandbox-env';
import { exitWithin, freePort, runCommand, ServiceProcess, serviceEnv, startService } from './support/service-process';
import { adminEvent, inState, sendSigned } from './support/service-events';
import { waitFor } from './support/wait-for';
import { contactDialog, unique } from './support/webhook-cases';

/**
 * Moving from SQLite to Redis with the built commands: `store:export` reads the stopped SQLite
 * store, `store:import` writes into Redis, and the service started on Redis has the queued events
 * (then delivered, their earlier attempts kept), the dead letters with theirs, the dedup ids of the
 * queued events, and each record's delivered event time (an older event of that record is stale).
 */

const SECRET = 'transfer-secret';
const ADMIN = 'transfer-admin';
const DIST = join(__dirname, '..', 'dist');
const EXPORT = join(DIST, 'store-export.js');
const IMPORT = join(DIST, 'store-import.js');

describeWithRedis('moving the store from SQLite to Redis (store:export, store:import)', () => {
  const sandbox = new CrmSandbox({ port: 0 });
  const running: ServiceProcess[] = [];
  const redis = driverEnv('redis');
  let dir: string;

  beforeAll(async () => {
    await sandbox.start();
    dir = mkdtempSync(join(tmpdir(), 'ccs-transfer-'));
  });
  afterAll(async () => {
    for (const service of running) await service.stop();
    await sandbox.stop();
    await cleanRedis(redis);
    rmSync(dir, { recursive: true, force: true });
  });

  const envFor = (port: number, more: Record<string, string> = {}) =>
    serviceEnv(port, dir, {
      ...sandboxEnv(sandbox),
      COGNIGY_WEBHOOK_SECRETS: SECRET,
      ADMIN_TOKEN: ADMIN,
      ...more,
    });
  const run = async (script: string, file: string, env: Record<string, string>) => {
    const command = runCommand(process.execPath, [script, file], env, dir);
    const exit = await exitWithin(command);
    // stderr may carry the store's warnings (the test Redis persists nothing), never a failure.
    expect([exit.code, command.stderr()]).toEqual([0, expect.not.stringContaining('failed')]);
    return command.stdout().trim();
  };

  it('carries queued events, dead letters with their attempts, and record states', async () => {
    const port = await freePort();
    const sqlite = await startService(envFor(port), dir, running);
    const send = (body: object) => sendSigned(port, SECRET, body);

    sandbox.inject({ status: 400, count: 1, body: { error: 'invalid_field', message: 'rejected' } });
    const dead = await send(contactDialog(unique('C')));
    await inState(port, ADMIN, [dead.eventId], 'dead');
    const record = unique('C');
    const delivered = await send(contactDialog(record, {}, { timestamp: '2026-11-26T10:00:00Z' }));
    await inState(port, ADMIN, [delivered.eventId], 'delivered');
    sandbox.inject({ status: 503, count: -1 });
    const queued = [await send(contactDialog(unique('C'))), await send(contactDialog(unique('C')))];
    await waitFor(async () => {
      const views = await Promise.all(queued.map((e) => adminEvent(port, ADMIN, e.eventId)));
      return views.every((v) => v?.state === 'queued' && v.attemptHistory.length > 0);
    });
    await sqlite.stop('SIGTERM');

    const file = join(dir, 'move.jsonl');
    expect(await run(EXPORT, file, envFor(port))).toMatch(
      /^exported 2 queued event\(s\), 1 dead letter\(s\) and \d+ record state\(s\) to /,
    );
    expect(readFileSync(file, 'utf8').split('\n')[0]).toContain('cognigy-crm-sync/store-transfer@1');
    const redisEnv = envFor(port, redis);
    expect(await run(IMPORT, file, redisEnv)).toMatch(/^imported 2 queued event\(s\), 1 dead letter\(s\) and /);
    expect(await run(IMPORT, file, redisEnv)).toMatch(
      /^imported 0 queued event\(s\), 0 dead letter\(s\) .*\(3 already there\)$/,
    );

    sandbox.clearFaults();
    await startService(redisEnv, dir, running);
    const deadView = await adminEvent(port, ADMIN, dead.eventId);
    expect([deadView?.state, deadView?.lastStatus, deadView?.attemptHistory.map((a) => a.status)]).toEqual([
      'dead',
      400,
      [400],
    ]);
    await inState(
      port,
      ADMIN,
      queued.map((e) => e.eventId),
      'delivered',
    );
    for (const { eventId } of queued) {
      const statuses = (await adminEvent(port, ADMIN, eventId))!.attemptHistory.map((a) => a.status);
      expect(statuses.length).toBeGreaterThanOrEqual(2);
      expect(statuses.slice(0, -1).every((s) => s === 503)).toBe(true);
      expect(statuses[statuses.length - 1]).toBe(200);
    }
    // The queued events' ids came along: Cognigy resending one is a duplicate.
    const again = await send(JSON.parse(queued[0].raw) as object);
    expect([again.status, again.eventId]).toEqual([200, queued[0].eventId]);
    // The record's delivered event time came along: an older event of that record is stale.
    const older = await send(contactDialog(record, {}, { timestamp: '2026-11-26T09:00:00Z' }));
    await inState(port, ADMIN, [older.eventId], 'stale');
  });

  it('refuses to export from Redis or import into SQLite, naming the driver to use', async () => {
    const port = await freePort();
    const exported = runCommand(process.execPath, [EXPORT, join(dir, 'x.jsonl')], envFor(port, redis), dir);
    expect((await exitWithin(exported)).code).toBe(1);
    expect(exported.stderr()).toContain(
      'store:export failed: export reads the SQLite store: run it with QUEUE_DRIVER=sqlite',
    );
    const imported = runCommand(process.execPath, [IMPORT, join(dir, 'x.jsonl')], envFor(port), dir);
    expect((await exitWithin(imported)).code).toBe(1);
    expect(imported.stderr()).toContain(
      'store:import failed: import writes into the Redis store: run it with QUEUE_DRIVER=redis',
    );
  });
});
