import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { sandboxEnv } from './support/sandbox-env';
import {
  exitWithin,
  freePort,
  post,
  runCommand,
  ServiceProcess,
  serviceEnv,
  startService,
} from './support/service-process';
import { adminEvent, inState as waitInState, sendSigned } from './support/service-events';
import { cognigySignature } from './support/signing';
import { waitFor } from './support/wait-for';
import { contactDialog, DIALOG_ROUTE, unique } from './support/webhook-cases';

/**
 * `npm run backup` (dist/store-backup.js) against the built service while it takes webhooks: the
 * copy is restored into a new DATA_DIR and the service started on it has every event the store
 * held when the backup began, in its state and with its attempts: dead letters, delivered events
 * (still duplicates when resent), queued events (then delivered), and none sent after the backup.
 */

const SECRET = 'backup-secret';
const ADMIN = 'backup-admin';
const BACKUP = join(__dirname, '..', 'dist', 'store-backup.js');

describe('backup and restore of the SQLite store (npm run backup)', () => {
  const sandbox = new CrmSandbox({ port: 0 });
  const running: ServiceProcess[] = [];
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccs-backup-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(() => sandbox.start());
  afterAll(async () => {
    for (const service of running) await service.stop();
    await sandbox.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const envFor = (port: number, dataDir: string) =>
    serviceEnv(port, dataDir, { ...sandboxEnv(sandbox), COGNIGY_WEBHOOK_SECRETS: SECRET, ADMIN_TOKEN: ADMIN });

  const send = (port: number, body: object) => sendSigned(port, SECRET, body);
  const event = (port: number, eventId: string) => adminEvent(port, ADMIN, eventId);
  const inState = (port: number, ids: string[], state: string) => waitInState(port, ADMIN, ids, state);

  it('copies the running store; the service started on the copy has its events in their states', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const env = envFor(port, dataDir);
    const first = await startService(env, dataDir, running);

    sandbox.inject({ status: 400, count: 2, body: { error: 'invalid_field', message: 'rejected' } });
    const dead = [await send(port, contactDialog(unique('C'))), await send(port, contactDialog(unique('C')))];
    await inState(
      port,
      dead.map((e) => e.eventId),
      'dead',
    );
    const delivered = [await send(port, contactDialog(unique('C')))];
    await inState(
      port,
      delivered.map((e) => e.eventId),
      'delivered',
    );
    // The CRM now fails every request: these stay queued, with their failed attempts.
    sandbox.inject({ status: 503, count: -1 });
    const queued = [await send(port, contactDialog(unique('C'))), await send(port, contactDialog(unique('C')))];
    await waitFor(async () => {
      const views = await Promise.all(queued.map((e) => event(port, e.eventId)));
      return views.every((v) => v?.state === 'queued' && v.attemptHistory.length > 0);
    });

    // The backup runs while webhooks keep arriving.
    const backupDir = tempDir();
    const copy = join(backupDir, 'events-backup.sqlite');
    let writing = true;
    const written: Array<{ eventId: string; at: number }> = [];
    const writer = (async () => {
      while (writing) {
        const { status, eventId } = await send(port, contactDialog(unique('C')));
        if (status === 202) written.push({ eventId, at: Date.now() });
      }
    })();
    await waitFor(() => written.length >= 20);
    const startedAt = Date.now();
    const backup = runCommand(process.execPath, [BACKUP, copy], env, dataDir);
    const exit = await exitWithin(backup);
    writing = false;
    await writer;
    expect([exit.code, backup.stderr()]).toEqual([0, '']);
    expect(backup.stdout()).toMatch(/written to .*events-backup\.sqlite \(\d+ bytes, integrity ok; events: .*2 dead/);
    const after = await send(port, contactDialog(unique('C')));
    expect(after.status).toBe(202);
    await first.stop('SIGTERM');

    // Restore: the copy becomes events.sqlite of a new DATA_DIR, with no -wal or -shm beside it.
    sandbox.clearFaults();
    const restoredDir = tempDir();
    copyFileSync(copy, join(restoredDir, 'events.sqlite'));
    const restoredPort = await freePort();
    await startService(envFor(restoredPort, restoredDir), restoredDir, running);

    for (const { eventId } of dead) {
      const view = await event(restoredPort, eventId);
      expect([view?.state, view?.lastStatus, view?.attemptHistory.map((a) => a.status)]).toEqual(['dead', 400, [400]]);
    }
    await inState(
      restoredPort,
      queued.map((e) => e.eventId),
      'delivered',
    );
    for (const { eventId } of queued) {
      const statuses = (await event(restoredPort, eventId))!.attemptHistory.map((a) => a.status);
      expect(statuses.slice(0, -1).every((s) => s === 503) && statuses.length >= 2).toBe(true);
      expect(statuses[statuses.length - 1]).toBe(200);
    }
    expect((await event(restoredPort, delivered[0].eventId))?.state).toBe('delivered');
    // Every event acknowledged before the backup began is in the copy, the last ones too.
    const before = written.filter((w) => w.at < startedAt).map((w) => w.eventId);
    const missing = [];
    for (const eventId of before) if ((await event(restoredPort, eventId)) === null) missing.push(eventId);
    expect({ missing, of: before.length }).toEqual({ missing: [], of: before.length });
    expect(await event(restoredPort, after.eventId)).toBeNull();
    // The dedup window came along: the delivered event resent is a duplicate.
    const resent = await post(restoredPort, DIALOG_ROUTE, delivered[0].raw, {
      'x-cognigy-signature': cognigySignature(SECRET, delivered[0].raw),
    });
    expect([resent.status, JSON.parse(resent.body)]).toEqual([
      200,
      { status: 'duplicate', eventId: delivered[0].eventId },
    ]);
  });

  it('refuses to overwrite a file, and names the reason', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const env = envFor(port, dataDir);
    await startService(env, dataDir, running);
    const existing = join(tempDir(), 'taken.sqlite');
    writeFileSync(existing, 'keep me');
    const backup = runCommand(process.execPath, [BACKUP, existing], env, dataDir);
    expect((await exitWithin(backup)).code).toBe(1);
    expect(backup.stderr()).toContain(`backup failed: ${existing} exists: name a new file for the backup`);
  });

  it('with QUEUE_DRIVER=redis, says to back up Redis instead', async () => {
    const dataDir = tempDir();
    const env = { ...envFor(await freePort(), dataDir), QUEUE_DRIVER: 'redis' };
    const backup = runCommand(process.execPath, [BACKUP, join(dataDir, 'copy.sqlite')], env, dataDir);
    expect((await exitWithin(backup)).code).toBe(1);
    expect(backup.stderr()).toContain('QUEUE_DRIVER is redis: back up Redis itself');
  });
});
