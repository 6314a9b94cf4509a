#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: every performance target of the service, each as a ratio to a peer measured in
 * the same run, in --rounds (3) rounds whose measurements are interleaved (each round measures
 * every peer and variant once, so a busy spell of the shared machine hits them all), reported as
 * median (min-max) over the rounds, with the load of the machine during each measurement.
 *
 * Peers (children on 127.0.0.1): bench/baseline-server.js (bare node:http: HMAC, JSON.parse,
 * 202) and bench/ceiling-server.js (minimal Nest on Express: HMAC in a guard, 202). The service
 * (dist/main.js) with the SQLite driver (synchronous=full) and, unless --skip-redis, the Redis
 * driver (REDIS_URL, default 127.0.0.1:6379, keys under an own prefix, deleted afterwards).
 *
 *   A. closed loop: autocannon, --connections (50), 1 s warm-up + --duration (5) s: 2xx/s, p99,
 *      server CPU per request, peak RSS; the service with delivery off and on (CRM answering at once)
 *   B. open loop (bench/lib/paced.js, latency from each request's scheduled send time) at
 *      200/s then 500/s for --open-duration (5) s each: the ceiling, the service delivering to a
 *      CRM answering at once (and at 500/s to one answering 503, and to one that hangs); CPU per
 *      event (ack + delivery, until delivered), event-loop delay p99 from the service's /metrics
 *      (nodejs_eventloop_lag_p99_seconds, reset by a scrape just before), peak RSS
 *   C. end to end into a CRM answering in 20 ms, CRM_CONCURRENCY=64: p99 receipt to upsert at
 *      300/s (open loop, GET /metrics/latency), then --e2e-events (8000) webhooks as fast as
 *      50 connections go: events/s = events / (first send to last upsert)
 *   D. backlog (SQLite): --backlog (1000000) queued events written into a store file directly
 *      (bench/lib/backlog.js), 4 per CRM record; the time of one claim in a worker's steady state
 *      (64 in flight) at that size and at 10,000; then the service draining it into a 20 ms CRM,
 *      CRM_CONCURRENCY=64, delivered/s over --drain (10) s per round
 *
 *   npm run bench
 *   node bench/targets.js [--rounds 3] [--skip-redis] [--skip-backlog] [--backlog 1000000] [--json out.json]
 */
const fs = require('node:fs');
const os = require('node:os');
const { performance } = require('node:perf_hooks');
const { parseArgs } = require('node:util');
const c = require('./lib/common');
const { paced } = require('./lib/paced');
const { buildBacklog, templateEvent, timeClaims } = require('./lib/backlog');

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '5' },
    'open-duration': { type: 'string', default: '5' },
    'e2e-events': { type: 'string', default: '8000' },
    'e2e-rate': { type: 'string', default: '300' },
    backlog: { type: 'string', default: '1000000' },
    drain: { type: 'string', default: '10' },
    'skip-redis': { type: 'boolean', default: false },
    'skip-backlog': { type: 'boolean', default: false },
    pool: { type: 'string', default: '120000' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
c.printHelpIf(args.help, __filename);

const rounds = Number(args.rounds);
const connections = Number(args.connections);
const duration = Number(args.duration);
const openDuration = Number(args['open-duration']);
const e2eEvents = Number(args['e2e-events']);
const e2eRate = Number(args['e2e-rate']);
const backlogSize = Number(args.backlog);
const drainS = Number(args.drain);
const withRedis = !args['skip-redis'];
const RATES = [200, 500];
const CRM_LATENCY_MS = 20;
const E2E_CONCURRENCY = 64;
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

c.timeLimit(600 + rounds * (900 + (withRedis ? 300 : 0)) + (args['skip-backlog'] ? 0 : backlogSize / 2000));

// ---------------------------------------------------------------------------------------------
// Figures: results[measure][subject] is the list of one value per round.

const results = {};
const loads = [];

function record(measure, subject, value) {
  results[measure] ??= {};
  (results[measure][subject] ??= []).push(value);
}

function stats(measure, subject) {
  const values = (results[measure]?.[subject] ?? []).filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (values.length === 0) return null;
  const mid = Math.floor(values.length / 2);
  const median = values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  return { median, min: values[0], max: values[values.length - 1], n: values.length };
}

function fmt(s, digits = 0) {
  if (!s) return 'n/a';
  const f = (v) => c.round(v, digits).toLocaleString('en-US');
  return s.min === s.max ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

/** The machine's state during one measurement: uptime's load average and other processes' cores. */
function noteLoad(round, what, cpu) {
  const load = os.loadavg().map((l) => c.round(l, 2));
  loads.push({ round, what, loadavg: load.join(' '), otherCores: cpu?.foreignCores });
}

// ---------------------------------------------------------------------------------------------
// Subjects.

let redisServices = 0;
async function startSubject(kind, { delivery, fault, latencyMs = 0, env = {} } = {}) {
  if (kind === 'baseline' || kind === 'ceiling') return { server: await c.startPeer(kind) };
  const sandbox = delivery ? await c.startSandbox({ latencyMs, fault }) : undefined;
  const driverEnv =
    kind === 'redis'
      ? { QUEUE_DRIVER: 'redis', REDIS_URL, REDIS_KEY_PREFIX: `ccs-bench-${process.pid}-${++redisServices}` }
      : { SQLITE_SYNCHRONOUS: 'full' };
  const server = await c.startService({ crm: sandbox, label: kind, env: { ...driverEnv, ...env } });
  return {
    server,
    sandbox,
    async stop() {
      await server.stop();
      if (sandbox) await sandbox.stop();
      if (kind === 'redis') await c.deleteRedisKeys(REDIS_URL, driverEnv.REDIS_KEY_PREFIX);
    },
  };
}

async function stopSubject(subject) {
  if (subject.stop) await subject.stop();
  else await subject.server.stop();
}

/** Scraping /metrics resets prom-client's event-loop delay histogram: call before and after a phase. */
async function eventLoopP99Ms(url) {
  return c.round(c.promValue(await c.getText(`${url}/metrics`), 'nodejs_eventloop_lag_p99_seconds') * 1000, 1);
}

// ---------------------------------------------------------------------------------------------
// A. Closed loop.

const CLOSED = [
  { name: 'baseline', label: 'bare node:http: HMAC, parse, 202', kind: 'baseline' },
  { name: 'ceiling', label: 'minimal Nest on Express, HMAC guard, 202 (ceiling)', kind: 'ceiling' },
  { name: 'sqlite-off', label: 'service, SQLite, delivery off', kind: 'sqlite' },
  { name: 'sqlite-on', label: 'service, SQLite, delivery on (CRM answering at once)', kind: 'sqlite', delivery: true },
  { name: 'redis-off', label: 'service, Redis, delivery off', kind: 'redis', redis: true },
  { name: 'redis-on', label: 'service, Redis, delivery on (CRM answering at once)', kind: 'redis', delivery: true, redis: true },
];

async function closedLoop(round, subjectSpec, pool) {
  const subject = await startSubject(subjectSpec.kind, { delivery: subjectSpec.delivery });
  const { server, sandbox } = subject;
  try {
    pool.reset();
    await c.fire(server.url, pool, { connections, duration: 1 });
    const pids = { server: server.pid, ...(sandbox ? { sandbox: sandbox.pid } : {}) };
    const meter = c.cpuMeter(pids);
    meter.start();
    const result = c.summarise(await c.fire(server.url, pool, { connections, duration }));
    const cpu = meter.stop();
    const ok = Object.entries(result.statusCodes)
      .filter(([code]) => code.startsWith('2'))
      .reduce((sum, [, n]) => sum + n, 0);
    record('closed.rps', subjectSpec.name, ok / result.durationS);
    record('closed.p99', subjectSpec.name, result.latencyMs.p99);
    record('closed.cpuUs', subjectSpec.name, (cpu.cpuSeconds.server * 1e6) / result.requests);
    record('closed.rss', subjectSpec.name, c.peakRssMiB(server.pid));
    noteLoad(round, `closed ${subjectSpec.name}`, cpu);
    const bad = Object.keys(result.statusCodes).filter((code) => !code.startsWith('2'));
    c.log(`A ${subjectSpec.name}: ${Math.round(ok / result.durationS)} 2xx/s, p99 ${result.latencyMs.p99} ms${bad.length ? `, codes ${JSON.stringify(result.statusCodes)}` : ''}`);
  } finally {
    await stopSubject(subject);
  }
}

// ---------------------------------------------------------------------------------------------
// B. Open loop.

const OPEN = [
  { name: 'ceiling', label: 'ceiling', kind: 'ceiling', rates: RATES },
  { name: 'sqlite-healthy', label: 'service, SQLite, CRM answering at once', kind: 'sqlite', delivery: true, rates: RATES },
  { name: 'sqlite-503', label: 'service, SQLite, CRM answering 503', kind: 'sqlite', delivery: true, fault: { status: 503 }, rates: [500] },
  { name: 'sqlite-hang', label: 'service, SQLite, CRM hanging', kind: 'sqlite', delivery: true, fault: { hang: true }, rates: [500] },
  { name: 'redis-healthy', label: 'service, Redis, CRM answering at once', kind: 'redis', delivery: true, rates: RATES, redis: true },
];

async function openLoop(round, spec, pool) {
  const subject = await startSubject(spec.kind, { delivery: spec.delivery, fault: spec.fault });
  const { server, sandbox } = subject;
  const isService = spec.kind === 'sqlite' || spec.kind === 'redis';
  let accepted = 0;
  const onResponse = (code) => code === 202 && accepted++;
  try {
    pool.reset();
    await paced(server.url, pool, { rate: 200, duration: 1, onResponse });
    for (const rate of spec.rates) {
      if (sandbox && !spec.fault) await c.waitApplied(sandbox, accepted);
      if (isService) await eventLoopP99Ms(server.url);
      const pids = { server: server.pid, ...(sandbox ? { sandbox: sandbox.pid } : {}) };
      const meter = c.cpuMeter(pids);
      meter.start();
      const before = accepted;
      const result = await paced(server.url, pool, { rate, duration: openDuration, onResponse });
      // CPU per event: ack and delivery, so the meter runs until the CRM has every event.
      if (sandbox && !spec.fault) await c.waitApplied(sandbox, accepted);
      const cpu = meter.stop();
      const key = `${spec.name}@${rate}`;
      record('open.p50', key, result.latencyMs.p50);
      record('open.p90', key, result.latencyMs.p90);
      record('open.p99', key, result.latencyMs.p99);
      record('open.cpuUs', key, (cpu.cpuSeconds.server * 1e6) / Math.max(1, isService ? accepted - before : result.requests));
      if (isService) record('open.loopP99', key, await eventLoopP99Ms(server.url));
      noteLoad(round, `open ${key}`, cpu);
      const codes = JSON.stringify(result.statusCodes);
      c.log(`B ${key}: p50 ${result.latencyMs.p50} / p90 ${result.latencyMs.p90} / p99 ${result.latencyMs.p99} ms, codes ${codes}${result.errors ? `, errors ${result.errors}` : ''}`);
    }
    record('open.rss', spec.name, c.peakRssMiB(server.pid));
  } finally {
    await stopSubject(subject);
  }
}

// ---------------------------------------------------------------------------------------------
// C. End to end into a 20 ms CRM.

async function endToEnd(round, kind, pool) {
  const windowSize = Math.max(10, Math.floor(0.9 * e2eRate * openDuration));
  const subject = await startSubject(kind, {
    delivery: true,
    latencyMs: CRM_LATENCY_MS,
    env: { CRM_CONCURRENCY: String(E2E_CONCURRENCY), LATENCY_WINDOW: String(windowSize) },
  });
  const { server, sandbox } = subject;
  let accepted = 0;
  const onResponse = (code) => code === 202 && accepted++;
  try {
    pool.reset();
    await paced(server.url, pool, { rate: 100, duration: 1, onResponse });
    await c.waitApplied(sandbox, accepted);
    const rateRun = await paced(server.url, pool, { rate: e2eRate, duration: openDuration, onResponse });
    await c.waitApplied(sandbox, accepted);
    const latency = await c.getJson(`${server.url}/metrics/latency`);
    record('e2e.p99', kind, latency.p99_latency_ms);
    record('e2e.ackP99', kind, rateRun.latencyMs.p99);

    const pids = { server: server.pid, sandbox: sandbox.pid };
    const meter = c.cpuMeter(pids);
    const before = accepted;
    const t0 = performance.now();
    meter.start();
    await c.fire(server.url, pool, { connections, amount: e2eEvents, onResponse });
    const ackS = (performance.now() - t0) / 1000;
    await c.waitApplied(sandbox, accepted);
    const totalS = (performance.now() - t0) / 1000;
    const cpu = meter.stop();
    record('e2e.eps', kind, (accepted - before) / totalS);
    record('e2e.ackEps', kind, (accepted - before) / ackS);
    noteLoad(round, `e2e ${kind}`, cpu);
    c.log(`C ${kind}: p99 receipt→upsert at ${e2eRate}/s ${latency.p99_latency_ms} ms; ${e2eEvents} events end to end in ${c.round(totalS, 1)} s (${Math.round((accepted - before) / totalS)}/s, acked in ${c.round(ackS, 1)} s)`);
  } finally {
    await stopSubject(subject);
  }
}

// ---------------------------------------------------------------------------------------------
// D. The backlog.

async function prepareBacklogs(pool) {
  const template = await templateEvent(pool);
  const big = c.makeTempDir('backlog-big');
  const small = c.makeTempDir('backlog-small');
  c.log(`D: writing ${backlogSize} queued events into ${big}`);
  const bigInfo = buildBacklog(template, big, { count: backlogSize });
  const smallInfo = buildBacklog(template, small, { count: 10000 });
  c.log(`D: ${backlogSize} events written in ${bigInfo.buildS} s`);
  return { big, small, bigInfo, smallInfo };
}

async function claimCost(round, backlogs) {
  for (const [size, dir] of [['10k', backlogs.small], ['big', backlogs.big]]) {
    const t = await timeClaims(dir);
    record('claim.medianUs', size, t.claimMedianUs);
    record('claim.p99Us', size, t.claimP99Us);
    record('claim.nextDueUs', size, t.nextDueMedianUs);
    c.log(`D claim at ${size}: median ${t.claimMedianUs} µs, p99 ${t.claimP99Us} µs; nextDueAt median ${t.nextDueMedianUs} µs`);
  }
  noteLoad(round, 'claim timing');
}

async function drain(round, backlogs) {
  const sandbox = await c.startSandbox({ latencyMs: CRM_LATENCY_MS });
  const server = await c.startService({
    crm: sandbox,
    label: 'drain',
    dataDir: backlogs.big,
    keepData: true,
    // Opening a large backlog rebuilds the store's ready list before the service answers.
    readyTimeoutMs: 180000,
    env: { SQLITE_SYNCHRONOUS: 'full', CRM_CONCURRENCY: String(E2E_CONCURRENCY) },
  });
  try {
    await c.sleep(2000);
    const meter = c.cpuMeter({ server: server.pid, sandbox: sandbox.pid });
    const a0 = (await sandbox.stats()).applied;
    const t0 = performance.now();
    meter.start();
    await c.sleep(drainS * 1000);
    const applied = (await sandbox.stats()).applied - a0;
    const seconds = (performance.now() - t0) / 1000;
    const cpu = meter.stop();
    record('drain.eps', 'sqlite', applied / seconds);
    noteLoad(round, 'drain', cpu);
    c.log(`D drain: ${Math.round(applied / seconds)} delivered/s from the ${backlogSize}-event backlog`);
  } finally {
    await server.stop();
    await sandbox.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Report.

function ratio(num, den, digits = 2) {
  const a = stats(...num);
  const b = stats(...den);
  return a && b ? c.round(a.median / b.median, digits) : NaN;
}

function verdict(ok) {
  return Number.isNaN(ok) || ok === null ? 'n/a' : ok ? 'met' : '**missed**';
}

function report(command, machine) {
  const out = [];
  const line = (text = '') => out.push(text);
  line(`\n## Performance targets (issue 11): ${rounds} round(s), median (min–max)\n`);
  line(`### A. Closed loop, ${connections} connections, ${duration} s per round\n`);
  line(
    c.table(
      CLOSED.filter((s) => results['closed.rps']?.[s.name]).map((s) => ({
        what: s.label,
        rps: fmt(stats('closed.rps', s.name)),
        ratio: ratio(['closed.rps', s.name], ['closed.rps', 'ceiling']),
        p99: fmt(stats('closed.p99', s.name)),
        cpu: fmt(stats('closed.cpuUs', s.name)),
        rss: fmt(stats('closed.rss', s.name)),
      })),
      { what: '', rps: '2xx/s', ratio: '÷ ceiling', p99: 'p99 ms', cpu: 'server CPU µs/request', rss: 'peak RSS MiB' },
    ),
  );
  line(`\n### B. Open loop, ${openDuration} s per rate, latency from the scheduled send time (client side)\n`);
  const openRows = [];
  for (const s of OPEN) {
    for (const rate of s.rates) {
      const key = `${s.name}@${rate}`;
      if (!results['open.p99']?.[key]) continue;
      openRows.push({
        what: s.label,
        rate,
        p50: fmt(stats('open.p50', key), 1),
        p90: fmt(stats('open.p90', key), 1),
        p99: fmt(stats('open.p99', key), 1),
        ratio: s.name === 'ceiling' ? '' : ratio(['open.p99', key], ['open.p99', `ceiling@${rate}`], 1),
        cpu: fmt(stats('open.cpuUs', key)),
        loop: s.name === 'ceiling' ? '' : fmt(stats('open.loopP99', key), 1),
      });
    }
  }
  line(
    c.table(openRows, {
      what: '',
      rate: 'rate/s',
      p50: 'p50 ms',
      p90: 'p90 ms',
      p99: 'p99 ms',
      ratio: 'p99 ÷ ceiling p99',
      cpu: 'server CPU µs/event (ack + delivery)',
      loop: 'event-loop delay p99 ms',
    }),
  );
  line(`\nPeak RSS over the open-loop run (200/s then 500/s), MiB: ${OPEN.filter((s) => results['open.rss']?.[s.name]).map((s) => `${s.name} ${fmt(stats('open.rss', s.name))}`).join(', ')}`);

  line(`\n### C. End to end, CRM answering in ${CRM_LATENCY_MS} ms, CRM_CONCURRENCY=${E2E_CONCURRENCY}\n`);
  line(
    c.table(
      ['sqlite', 'redis'].filter((k) => results['e2e.eps']?.[k]).map((k) => ({
        what: k,
        eps: fmt(stats('e2e.eps', k)),
        ack: fmt(stats('e2e.ackEps', k)),
        p99: fmt(stats('e2e.p99', k)),
        ackP99: fmt(stats('e2e.ackP99', k), 1),
      })),
      {
        what: 'driver',
        eps: `events/s, ${e2eEvents} events sent to upserted`,
        ack: 'of which acks/s',
        p99: `p99 receipt → upsert at ${e2eRate}/s, ms`,
        ackP99: `ack p99 at ${e2eRate}/s (client), ms`,
      },
    ),
  );
  if (results['claim.medianUs']) {
    line(`\n### D. Backlog, SQLite: ${backlogSize.toLocaleString('en-US')} queued events (4 per record)\n`);
    line(
      c.table(
        [['10k', '10,000'], ['big', backlogSize.toLocaleString('en-US')]].map(([k, label]) => ({
          size: label,
          claim: fmt(stats('claim.medianUs', k), 1),
          p99: fmt(stats('claim.p99Us', k), 1),
          next: fmt(stats('claim.nextDueUs', k), 1),
        })),
        { size: 'queued', claim: 'claimDue(1) median µs (64 in flight)', p99: 'claimDue(1) p99 µs', next: 'nextDueAt median µs' },
      ),
    );
    line(`\nDrain of the ${backlogSize.toLocaleString('en-US')}-event backlog into a ${CRM_LATENCY_MS} ms CRM (CRM_CONCURRENCY=${E2E_CONCURRENCY}): ${fmt(stats('drain.eps', 'sqlite'))} events/s`);
  }

  const m = (measure, subject) => stats(measure, subject)?.median;
  const targets = [];
  for (const rate of RATES) {
    const r = ratio(['open.p99', `sqlite-healthy@${rate}`], ['open.p99', `ceiling@${rate}`], 1);
    targets.push({ what: `ack p99 open loop ${rate}/s, CRM at once, SQLite`, got: `${r}× ceiling`, target: '≤ 3×', ok: r <= 3 });
    const rr = ratio(['open.p99', `redis-healthy@${rate}`], ['open.p99', `ceiling@${rate}`], 1);
    if (!Number.isNaN(rr)) targets.push({ what: `ack p99 open loop ${rate}/s, CRM at once, Redis`, got: `${rr}× ceiling`, target: '≤ 3×', ok: rr <= 3 });
  }
  for (const fault of ['503', 'hang']) {
    const r = ratio(['open.p99', `sqlite-${fault}@500`], ['open.p99', 'sqlite-healthy@500'], 2);
    targets.push({ what: `ack p99 open loop 500/s, CRM ${fault === 'hang' ? 'hanging' : 'answering 503'}`, got: `${r}× healthy`, target: '≤ 1.2×', ok: r <= 1.2 });
  }
  const acks = ratio(['closed.rps', 'sqlite-off'], ['closed.rps', 'ceiling']);
  targets.push({ what: 'acks/s closed loop, delivery off, SQLite', got: `${acks}× ceiling`, target: '≥ 0.6×', ok: acks >= 0.6 });
  const acksRedis = ratio(['closed.rps', 'redis-off'], ['closed.rps', 'ceiling']);
  if (!Number.isNaN(acksRedis)) targets.push({ what: 'acks/s closed loop, delivery off, Redis', got: `${acksRedis}× ceiling`, target: '≥ 0.6×', ok: acksRedis >= 0.6 });
  const cpu = ratio(['open.cpuUs', 'sqlite-healthy@500'], ['open.cpuUs', 'ceiling@500']);
  targets.push({ what: 'CPU per event (ack + delivery) at 500/s, SQLite', got: `${cpu}× ceiling's per request`, target: '≤ 2.5×', ok: cpu <= 2.5 });
  const loop = m('open.loopP99', 'sqlite-healthy@500');
  targets.push({ what: 'event-loop delay p99 at 500/s, SQLite', got: `${loop} ms`, target: '≤ 20 ms', ok: loop <= 20 });
  const rss = m('open.rss', 'sqlite-healthy');
  const rssCeiling = m('open.rss', 'ceiling');
  targets.push({ what: 'peak RSS, open-loop run, SQLite', got: `ceiling + ${c.round(rss - rssCeiling, 0)} MiB`, target: '≤ ceiling + 40 MiB', ok: rss - rssCeiling <= 40 });
  for (const k of ['sqlite', 'redis']) {
    const eps = m('e2e.eps', k);
    if (eps === undefined) continue;
    targets.push({ what: `end to end events/s, 20 ms CRM, concurrency 64, ${k}`, got: `${Math.round(eps)}/s`, target: '≥ 1,000/s', ok: eps >= 1000 });
    const p99 = m('e2e.p99', k);
    targets.push({ what: `p99 receipt → upsert at ${e2eRate}/s, ${k}`, got: `${p99} ms`, target: '≤ 100 ms', ok: p99 <= 100 });
  }
  if (results['drain.eps']) {
    const eps = m('drain.eps', 'sqlite');
    targets.push({ what: `drain of ${backlogSize.toLocaleString('en-US')} queued, 20 ms CRM`, got: `${Math.round(eps)}/s`, target: '≥ 1,000/s', ok: eps >= 1000 });
    const claim = ratio(['claim.medianUs', 'big'], ['claim.medianUs', '10k']);
    targets.push({ what: `time per claim at ${backlogSize.toLocaleString('en-US')} ÷ at 10,000`, got: `${claim}×`, target: '≤ 2×', ok: claim <= 2 });
  }
  line('\n### Targets (ratios of medians)\n');
  line(c.table(targets.map((t) => ({ ...t, ok: verdict(t.ok) })), { what: 'measure', got: 'measured', target: 'target', ok: '' }));

  line('\n### Machine load during each measurement (uptime load average; cores used by other processes)\n');
  line(c.table(loads, { round: 'round', what: 'measurement', loadavg: 'load average 1/5/15 min', otherCores: 'other cores' }));
  line(`\nmachine: ${machine.nproc} CPU(s), ${machine.cpuModel}, node ${machine.node}, load average at start ${machine.loadavg.join(' ')}`);
  line(`command: ${command}`);
  return out.join('\n');
}

async function main() {
  c.requireBuild();
  const machine = c.machine();
  c.log(`machine: ${machine.nproc} x ${machine.cpuModel}, node ${machine.node}, loadavg ${machine.loadavg.join(' ')}`);
  const pool = new c.BodyPool(Number(args.pool));
  const backlogs = args['skip-backlog'] ? undefined : await prepareBacklogs(pool);
  try {
    for (let round = 1; round <= rounds; round++) {
      c.log(`round ${round} of ${rounds}`);
      for (const spec of CLOSED) if (withRedis || !spec.redis) await closedLoop(round, spec, pool);
      for (const spec of OPEN) if (withRedis || !spec.redis) await openLoop(round, spec, pool);
      for (const kind of withRedis ? ['sqlite', 'redis'] : ['sqlite']) await endToEnd(round, kind, pool);
      if (backlogs) {
        await claimCost(round, backlogs);
        await drain(round, backlogs);
      }
    }
  } finally {
    if (backlogs) {
      fs.rmSync(backlogs.big, { recursive: true, force: true });
      fs.rmSync(backlogs.small, { recursive: true, force: true });
    }
  }
  const command = `node bench/targets.js ${process.argv.slice(2).join(' ')}`.trim();
  console.log(report(command, machine));
  c.writeJson(args.json, { benchmark: 'targets', command, machine, results, loads, backlog: backlogs && { ...backlogs.bigInfo } });
}

c.runMain(main);
