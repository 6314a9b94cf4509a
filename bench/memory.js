#!/usr/bin/env node
'use strict';
/**
 * Peak memory under load, and its growth over a long run: the built service under the
 * ack load of bench/ack.js (signed webhooks, --connections, as fast as it answers) for --duration s
 * (default 60), its resident set sampled every --interval s (default 5) from its own GET /metrics
 * (`process_resident_memory_bytes`, plus `nodejs_heap_size_used_bytes`) and from /proc (VmRSS, and
 * VmHWM: the kernel's peak, which catches a peak between samples).
 *
 * Reports RSS at start (idle, after start-up), peak, end (last sample under load) and after 5 s
 * idle, and the growth per 100k accepted events: the least-squares slope of RSS against the
 * accepted count, over the samples after the first --settle s (start-up allocation and JIT warm-up
 * are not growth).
 *
 * --delivery also runs the worker against a sandbox CRM answering in --crm-latency ms (the
 * backlog grows, since webhooks arrive faster than a 20 ms CRM takes them at CRM_CONCURRENCY 16).
 *
 * Before the load: wait up to --quiet-wait s (60) until other processes use under
 * --quiet-threshold cores (0.25). The report shows what they used during the run.
 *
 *   npm run bench:memory
 *   node bench/memory.js [--duration 60] [--interval 5] [--delivery] [--json out.json]
 */
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { parseArgs } = require('node:util');
const c = require('./lib/common');

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    interval: { type: 'string', default: '5' },
    settle: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    delivery: { type: 'boolean', default: false },
    sync: { type: 'string', default: 'full' },
    'crm-latency': { type: 'string', default: '20' },
    pool: { type: 'string', default: '400000' },
    'quiet-wait': { type: 'string', default: '60' },
    'quiet-threshold': { type: 'string', default: '0.25' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
c.printHelpIf(args.help, __filename);

const duration = Number(args.duration);
const interval = Number(args.interval);
const settle = Number(args.settle);
const connections = Number(args.connections);
const quietWait = Number(args['quiet-wait']);
c.timeLimit(120 + quietWait + duration + 60);

const MiB = 2 ** 20;

function procStatus(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number((new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text) || [])[1]) * 1024;
  return { vmRss: kib('VmRSS'), vmHwm: kib('VmHWM') };
}

async function sample(service, t0, accepted) {
  const metrics = await c.getText(`${service.url}/metrics`);
  const proc = procStatus(service.pid);
  const storeBytes = ['events.sqlite', 'events.sqlite-wal']
    .map((f) => path.join(service.dataDir, f))
    .filter((f) => fs.existsSync(f))
    .reduce((sum, f) => sum + fs.statSync(f).size, 0);
  return {
    t: c.round((performance.now() - t0) / 1000, 1),
    accepted,
    rssMiB: c.round(c.promValue(metrics, 'process_resident_memory_bytes') / MiB, 1),
    heapUsedMiB: c.round(c.promValue(metrics, 'nodejs_heap_size_used_bytes') / MiB, 1),
    externalMiB: c.round(c.promValue(metrics, 'nodejs_external_memory_bytes') / MiB, 1),
    vmRssMiB: c.round(proc.vmRss / MiB, 1),
    vmHwmMiB: c.round(proc.vmHwm / MiB, 1),
    storeMiB: c.round(storeBytes / MiB, 1),
  };
}

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const sxy = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return sxx === 0 ? NaN : sxy / sxx;
}

async function main() {
  c.requireBuild();
  const machine = c.machine();
  c.log(`machine: ${machine.nproc} x ${machine.cpuModel}, node ${machine.node}, loadavg ${machine.loadavg.join(' ')}`);
  const pool = new c.BodyPool(Number(args.pool));
  c.log(`${pool.items.length} distinct signed bodies precomputed in ${pool.buildMs} ms`);

  const sandbox = args.delivery ? await c.startSandbox({ latencyMs: Number(args['crm-latency']) }) : undefined;
  const service = await c.startService({ crm: sandbox, label: 'memory', env: { SQLITE_SYNCHRONOUS: args.sync } });
  const samples = [];
  let accepted = 0;
  let other = 0;
  let result;
  let idle;
  let delivered;
  try {
    const pids = { server: service.pid, ...(sandbox ? { sandbox: sandbox.pid } : {}) };
    const quiet = await c.waitQuiet({ maxWaitS: quietWait, threshold: Number(args['quiet-threshold']), pids });
    const t0 = performance.now();
    samples.push(await sample(service, t0, 0));
    c.log(`start: RSS ${samples[0].rssMiB} MiB; load for ${duration} s, ${connections} connections, sampling every ${interval} s (other processes: ${quiet.foreignCores} cores)`);
    const meter = c.cpuMeter(pids);
    meter.start();
    const instance = c.fire(service.url, pool, {
      connections,
      duration,
      onResponse: (code) => (code === 202 ? accepted++ : other++),
    });
    const timer = setInterval(() => {
      sample(service, t0, accepted).then(
        (s) => {
          samples.push(s);
          c.log(`t=${s.t}s accepted=${s.accepted} RSS ${s.rssMiB} MiB (VmHWM ${s.vmHwmMiB}) heap ${s.heapUsedMiB} MiB store ${s.storeMiB} MiB`);
        },
        (error) => c.log(`sample failed: ${error.message}`),
      );
    }, interval * 1000);
    result = await instance;
    clearInterval(timer);
    const cpu = meter.stop();
    samples.push(await sample(service, t0, accepted));
    await c.sleep(5000);
    idle = await sample(service, t0, accepted);
    if (sandbox) delivered = (await sandbox.stats()).applied;
    result = { ...c.summarise(result), cpu, quietBefore: quiet };
  } finally {
    await service.stop();
    if (sandbox) await sandbox.stop();
  }

  samples.sort((a, b) => a.t - b.t);
  const start = samples[0];
  const end = samples[samples.length - 1];
  const peakSample = samples.reduce((a, s) => (s.rssMiB > a.rssMiB ? s : a), start);
  const steady = samples.filter((s) => s.t >= settle);
  const perEvent = slope(steady.map((s) => ({ x: s.accepted, y: s.rssMiB })));
  const firstSteady = steady[0];
  const summary = {
    startRssMiB: start.rssMiB,
    peakRssMiB: peakSample.rssMiB,
    peakVmHwmMiB: idle.vmHwmMiB,
    endRssMiB: end.rssMiB,
    idleAfter5sRssMiB: idle.rssMiB,
    endHeapUsedMiB: end.heapUsedMiB,
    acceptedEvents: accepted,
    otherAnswers: other,
    acceptedPerSec: result.acceptedPerSec,
    deliveredEvents: delivered,
    growthPer100kSlopeMiB: c.round(perEvent * 100000, 1),
    growthPer100kEndpointsMiB:
      firstSteady && end.accepted > firstSteady.accepted
        ? c.round(((end.rssMiB - firstSteady.rssMiB) / (end.accepted - firstSteady.accepted)) * 100000, 1)
        : null,
    storeMiBAtEnd: end.storeMiB,
  };

  const command = `node bench/memory.js ${process.argv.slice(2).join(' ')}`.trim();
  const what = args.delivery ? `ack load with delivery on (sandbox CRM ${args['crm-latency']} ms)` : 'ack load, delivery off';
  console.log(`\n## Memory: ${duration} s of ${what}, ${connections} connections, SQLITE_SYNCHRONOUS=${args.sync}\n`);
  console.log(
    c.table([summary], {
      startRssMiB: 'RSS start MiB',
      peakRssMiB: 'RSS peak (samples) MiB',
      peakVmHwmMiB: 'VmHWM MiB',
      endRssMiB: 'RSS end MiB',
      idleAfter5sRssMiB: 'RSS after 5 s idle MiB',
      acceptedEvents: 'events accepted',
      acceptedPerSec: 'accepted/s',
      growthPer100kSlopeMiB: `growth MiB per 100k events (slope after ${settle} s)`,
      growthPer100kEndpointsMiB: 'growth MiB per 100k (endpoints)',
    }),
  );
  console.log('');
  console.log(
    c.table(samples, {
      t: 't s',
      accepted: 'accepted',
      rssMiB: 'RSS MiB',
      vmHwmMiB: 'VmHWM MiB',
      heapUsedMiB: 'heap used MiB',
      externalMiB: 'external MiB',
      storeMiB: 'SQLite files MiB',
    }),
  );
  console.log(`\nmachine: ${machine.nproc} CPU(s), ${machine.cpuModel}, node ${machine.node}, load average at start ${machine.loadavg.join(' ')}`);
  console.log(`command: ${command}`);
  c.writeJson(args.json, { benchmark: 'memory', command, machine, options: { ...args, json: undefined }, summary, result, samples, idle });
}

c.runMain(main);
