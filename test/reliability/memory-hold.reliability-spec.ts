import { ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebhookEnvironment } from '../../src/config/webhook-environment';
import { sandboxedService } from '../support/sandboxed-service';
import { cognigySignature, keyedDialog } from '../support/signing';
import { call } from '../support/service-process';
import { sleep, waitFor } from '../support/wait-for';

/**
 * Strangers holding unauthenticated bodies open against the BUILT service with its default limits
 * (hmac: a body is read before its signature can be checked): 2,000 connections (500 in the short
 * profile), each declaring 262,000 bytes with a bogus signature and sending all but the last byte,
 * reopened as soon as the service drops them. The service's peak RSS stays under 300 MiB, and signed webhooks sent from
 * another address meanwhile are answered 202 (docs/reliability.md records the latencies measured).
 */

const LONG = process.env.RELIABILITY_PROFILE === 'long';
/** Held bodies: 2,000 as the issue measured in the long profile; fewer, still four times the budget, in CI's short one. */
const CONNECTIONS = LONG ? 2_000 : 500;
const ATTACK_MS = LONG ? 60_000 : 15_000;
const SECRET = 'memory-hold-secret';
const DIALOG = '/webhooks/cognigy/dialog-complete';
const RSS_LIMIT = 300 * 1024 * 1024;
const DECLARED_BYTES = 262_000;
/** The most attack bodies the service's default budget (WEBHOOK_MAX_PENDING_BYTES) lets it hold at once. */
const MAX_HELD = Math.floor(new WebhookEnvironment().WEBHOOK_MAX_PENDING_BYTES / DECLARED_BYTES);
/** How long a dropped attack connection waits before it is reopened (the Retry-After the service asks for). */
const REOPEN_MS = Number(process.env.HOLD_ATTACK_REOPEN_MS ?? 1000);

jest.setTimeout(LONG ? 600_000 : 170_000);

describe(`unauthenticated bodies held open (${LONG ? 'long' : 'short'} profile, built service)`, () => {
  const { service, port, memory } = sandboxedService('memory-hold', () => ({
    COGNIGY_WEBHOOK_SECRETS: SECRET,
    LOG_LEVEL: 'error',
  }));
  const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
  /** CPU seconds the service has used (user + system, from /proc/<pid>/stat). */
  const cpuSeconds = () => {
    const fields = readFileSync(`/proc/${service().child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };

  /** One signed webhook from `from`: its status, latency and Retry-After. */
  async function sendSigned(from: string, key: string) {
    const raw = JSON.stringify(keyedDialog(key));
    const started = process.hrtime.bigint();
    const reply = await call(port(), 'POST', DIALOG, {
      raw,
      headers: { 'x-cognigy-signature': cognigySignature(SECRET, raw) },
      localAddress: from,
      timeoutMs: 60_000,
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return { status: reply.status, ms, retryAfter: reply.headers['retry-after'] };
  }

  /** Signed webhooks from `from`, one every 250 ms until `until` says to stop. */
  async function legitimate(from: string, until: () => boolean, key: string) {
    const results: Awaited<ReturnType<typeof sendSigned>>[] = [];
    for (let n = 0; !until(); n++) {
      results.push(await sendSigned(from, `${key}-${n}`));
      await sleep(250);
    }
    return results;
  }

  interface AttackCounts {
    opened: number;
    answers: Record<string, number>;
  }

  /** The attack (test/support/body-hold-attack.js) in a process of its own, from `addresses`. */
  function attackFrom(addresses: string[]) {
    const args = [String(port()), DIALOG, String(CONNECTIONS), String(DECLARED_BYTES), String(REOPEN_MS), ...addresses];
    const child: ChildProcess = fork(join(__dirname, '..', 'support', 'body-hold-attack.js'), args);
    let counts: AttackCounts = { opened: 0, answers: {} };
    child.on('message', (message: AttackCounts) => (counts = message));
    return {
      counts: () => counts,
      stop: () =>
        new Promise<AttackCounts>((resolve) => {
          child.once('exit', () => resolve(counts));
          child.send('stop');
        }),
    };
  }

  /** Runs `attack` for ATTACK_MS while `from` sends signed webhooks; what both saw. */
  async function during(addresses: string[], from: string, key: string) {
    const rssBefore = memory('VmRSS');
    const attack = attackFrom(addresses);
    // The attack is in place once the service has met every connection: all answered (refused at
    // once) but those the pending-body budget may hold. Counting connect() calls instead would send
    // the first signed webhook into the accept queue behind the 2,000 the service has yet to see.
    const answered = () => Object.values(attack.counts().answers).reduce((sum, n) => sum + n, 0);
    await waitFor(() => answered() >= CONNECTIONS - MAX_HELD, { timeoutMs: 60_000, what: 'the attack to be in place' });
    const started = Date.now();
    const cpuBefore = cpuSeconds();
    const ends = started + ATTACK_MS;
    const webhooks = await legitimate(from, () => Date.now() >= ends, key);
    const peak = memory('VmHWM');
    const cpu = (cpuSeconds() - cpuBefore) / ((Date.now() - started) / 1000);
    const counts = await attack.stop();
    const latencies = webhooks.map((w) => w.ms);
    console.log(
      `${key}: ${counts.opened} attack connections opened, answers ${JSON.stringify(counts.answers)}; ` +
        `RSS ${mib(rssBefore)} MiB before, peak ${mib(peak)} MiB; service CPU ${cpu.toFixed(2)} s/s; ${webhooks.length} signed webhooks, statuses ` +
        `${JSON.stringify(webhooks.map((w) => w.status).reduce<Record<number, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {}))}, ` +
        `latency median ${median(latencies)?.toFixed(0)} ms, p99 ${percentile(latencies, 0.99).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms, ` +
        `over 1 s: ${latencies.filter((ms) => ms > 1000).length} (at ${webhooks.flatMap((w, i) => (w.ms > 1000 ? [`#${i}`] : [])).join(' ') || '-'})`,
    );
    return { peak, webhooks, counts };
  }

  const percentile = (values: number[], p: number) =>
    [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
  const median = (values: number[]) => percentile(values, 0.5);

  it('without an attack: signed webhooks answered 202 (the latency to compare with)', async () => {
    const webhooks = [];
    for (let n = 0; n < 20; n++) webhooks.push(await sendSigned('127.0.0.2', `quiet-${n}`));
    expect(webhooks.map((w) => w.status)).toEqual(new Array(20).fill(202));
    console.log(`quiet: 20 signed webhooks, latency median ${median(webhooks.map((w) => w.ms)).toFixed(0)} ms`);
  });

  it(`${CONNECTIONS} held bodies from one address: RSS under 300 MiB, signed webhooks from another answered 202`, async () => {
    const { peak, webhooks, counts } = await during(['127.0.0.1'], '127.0.0.2', 'one-address');
    expect(webhooks.length).toBeGreaterThan(0);
    expect(webhooks.filter((w) => w.status !== 202)).toEqual([]);
    expect(peak).toBeLessThan(RSS_LIMIT);
    // The attack was refused at once, before its bodies were read.
    expect(counts.answers[503]).toBeGreaterThan(0);
  });

  it(`${CONNECTIONS} held bodies from 16 addresses: RSS under 300 MiB, every signed webhook answered 202 or 503 with Retry-After`, async () => {
    const addresses = Array.from({ length: 16 }, (_, i) => `127.0.1.${i + 1}`);
    const { peak, webhooks } = await during(addresses, '127.0.0.3', 'sixteen-addresses');
    expect(webhooks.filter((w) => !(w.status === 202 || (w.status === 503 && w.retryAfter)))).toEqual([]);
    expect(peak).toBeLessThan(RSS_LIMIT);
    // Once the attack ends, webhooks from anywhere are answered 202 again.
    let n = 0;
    await waitFor(async () => (await sendSigned('127.0.1.1', `after-attack-${n++}`)).status === 202, {
      what: 'a webhook from an attacking address to be accepted after the attack',
    });
    expect(service().child.exitCode).toBeNull();
  });
});
