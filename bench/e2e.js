#!/usr/bin/env node
'use strict';
/**
 * End to end: the built service delivering to a sandbox CRM (its own child process,
 * dist/dev/sandbox/sandbox-main.js) that answers every upsert after --crm-latency ms (default 20),
 * over OAuth2 client credentials as in production.
 *
 * (a) Sustained events/s, for each CRM_CONCURRENCY in --concurrency (default 16,64) and each
 *     SQLITE_SYNCHRONOUS in --sync (default full):
 *     - ack only: --backlog (12000) signed webhooks into a service with delivery off; its
 *       accepted/s, and the stored events are the backlog for the next step;
 *     - delivery alone: a copy of that store, delivery on, no webhooks coming in; delivered
 *       events/s is the slope of the sandbox's `applied` counter (sampled every 250 ms) while the
 *       backlog lasts (up to --drain s, first second left out). The reference ("baseline") is the
 *       delivery design's theoretical ceiling, concurrency / CRM latency (16 / 0.020 s = 800/s):
 *       the ratio measured / ceiling says how much of it the service reaches;
 *     - mixed: webhooks pushed as fast as --connections allow for --warmup + --duration s while
 *       the service delivers: accepted/s and delivered/s when both share the one event loop.
 *     The estimated sustainable end-to-end rate of one instance is 1 / (1/ack-only + 1/delivery-alone).
 * (b) Latency below saturation: --rate events/s (default: 50% of that estimate for concurrency 16,
 *     sync full), first with autocannon `overallRate` (bursty: each second's quota is sent at
 *     the start of the second), then with a steady open-loop sender (bench/lib/paced.js), each for
 *     --rate-duration s on a warmed-up service; after each, the backlog drains and GET
 *     /metrics/latency gives p99 receipt-to-upsert (top level) and the ack p99 (`ack`).
 *     LATENCY_WINDOW is set to 90% of the events of one phase, so each reading covers that phase only.
 *
 * A phase during which other processes used more than --max-foreign (0.35) cores is run again, up
 * to --retries (2) times; the least disturbed attempt is reported. --profile adds a CPU profile of
 * the service during each delivery-alone phase (node --cpu-prof, measured seconds only).
 *
 *   npm run bench:e2e
 *   node bench/e2e.js [--concurrency 16,64] [--sync full,normal] [--rate 200] [--skip-mixed] [--json out.json]
 */
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');
const { parseArgs } = require('node:util');
const c = require('./lib/common');
const { drainBacklog, preloadBacklog, sampler, rateBetween, crmRequestFigures } = require('./lib/drain');
const { paced } = require('./lib/paced');

const { values: args } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '16,64' },
    sync: { type: 'string', default: 'full' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    drain: { type: 'string', default: '10' },
    backlog: { type: 'string', default: '12000' },
    'skip-mixed': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    retries: { type: 'string', default: '2' },
    'max-foreign': { type: 'string', default: '0.35' },
    'crm-latency': { type: 'string', default: '20' },
    rate: { type: 'string' },
    'rate-duration': { type: 'string', default: '10' },
    'skip-rate': { type: 'boolean', default: false },
    pool: { type: 'string', default: '150000' },
    'quiet-wait': { type: 'string', default: '60' },
    'quiet-threshold': { type: 'string', default: '0.25' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
c.printHelpIf(args.help, __filename);

const list = (text) => text.split(',').map((v) => v.trim()).filter(Boolean);
const concurrencies = list(args.concurrency).map(Number);
const syncs = list(args.sync);
const connections = Number(args.connections);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const drain = Number(args.drain);
const crmLatency = Number(args['crm-latency']);
const rateDuration = Number(args['rate-duration']);
const quietWait = Number(args['quiet-wait']);
const quietThreshold = Number(args['quiet-threshold']);
const DRAIN_LIMIT_S = 90;

const phases = concurrencies.length * syncs.length;
const attempts = 1 + Number(args.retries);
c.timeLimit(
  120 +
    attempts * (quietWait + 60 + Number(args.backlog) / 300) +
    phases * attempts * (drain + warmup + duration + 2 * quietWait + 80) +
    (args['skip-rate'] ? 0 : 3 * (rateDuration + DRAIN_LIMIT_S) + quietWait * 2 + 60),
);

/**
 * Webhooks pushed as fast as --connections allow while the service delivers: ingest and delivery
 * share the service's one event loop, so this shows the split between them under a flood.
 */
async function mixed(concurrency, sync, pool) {
  const label = `c${concurrency}-${sync}`;
  c.log(`(a) mixed ${label}: starting sandbox (${crmLatency} ms) and service (CRM_CONCURRENCY=${concurrency}, SQLITE_SYNCHRONOUS=${sync})`);
  const sandbox = await c.startSandbox({ latencyMs: crmLatency });
  const service = await c.startService({
    crm: sandbox,
    label,
    env: { CRM_CONCURRENCY: String(concurrency), SQLITE_SYNCHRONOUS: sync },
  });
  try {
    const pids = { server: service.pid, sandbox: sandbox.pid };
    const quiet = await c.waitQuiet({ maxWaitS: quietWait, threshold: quietThreshold, pids });
    pool.reset();
    let accepted = 0;
    const meter = c.cpuMeter(pids);
    const sampling = sampler(sandbox);
    c.log(`(a) mixed ${label}: pushing ${warmup} + ${duration} s with ${connections} connections (other processes: ${quiet.foreignCores} cores)`);
    const t0 = performance.now();
    meter.start();
    const result = await c.fire(service.url, pool, {
      connections,
      duration: warmup + duration,
      onResponse: (code) => code === 202 && accepted++,
    });
    const pushEnd = performance.now();
    const cpu = meter.stop();
    await c.sleep(300);
    await sampling.stop();
    const { samples } = sampling;
    const ack = c.summarise(result);
    const delivered = rateBetween(samples, t0 + warmup * 1000, pushEnd);
    const crm = await crmRequestFigures(service.url);
    const row = {
      label,
      concurrency,
      sync,
      acceptedPerSec: ack.acceptedPerSec,
      ackP99Ms: ack.latencyMs.p99,
      deliveredPerSec: c.round(delivered, 0),
      backlogAtEnd: accepted - (samples.filter((s) => s.t <= pushEnd).pop()?.applied ?? 0),
      accepted,
      statusCodes: ack.statusCodes,
      ...crm,
      cpu,
      quietBefore: quiet,
    };
    c.log(`(a) mixed ${label}: accepted ${row.acceptedPerSec}/s, delivered ${row.deliveredPerSec}/s, backlog at the end ${row.backlogAtEnd}`);
    return row;
  } finally {
    await service.stop();
    await sandbox.stop();
  }
}

const quiet = { maxWaitS: quietWait, threshold: quietThreshold };

function preload(pool, count) {
  return preloadBacklog({ pool, count, connections, quiet });
}

function drainOnly(concurrency, sync, backlog) {
  return drainBacklog({ backlog, concurrency, sync, crmLatency, drainS: drain, quiet, profile: args.profile });
}

async function belowSaturation(rate, pool) {
  const windowSize = Math.max(10, Math.floor(0.9 * rate * rateDuration));
  c.log(`(b) rate ${rate}/s: starting sandbox (${crmLatency} ms) and service (CRM_CONCURRENCY=16, LATENCY_WINDOW=${windowSize})`);
  const sandbox = await c.startSandbox({ latencyMs: crmLatency });
  const service = await c.startService({
    crm: sandbox,
    label: 'rate',
    env: { CRM_CONCURRENCY: '16', SQLITE_SYNCHRONOUS: 'full', LATENCY_WINDOW: String(windowSize) },
  });
  const pids = { server: service.pid, sandbox: sandbox.pid };
  let accepted = 0;
  const count = (code) => code === 202 && accepted++;
  const rows = [];
  try {
    pool.reset();
    c.log(`(b) warm-up ${warmup} s at ${rate}/s`);
    if (warmup > 0) await c.fire(service.url, pool, { connections, duration: warmup, overallRate: rate, onResponse: count });
    await c.waitApplied(sandbox, accepted, DRAIN_LIMIT_S);
    for (const sender of ['autocannon overallRate (bursty)', 'steady open-loop (bench/lib/paced.js)']) {
      const quiet = await c.waitQuiet({ maxWaitS: quietWait, threshold: quietThreshold, pids });
      c.log(`(b) ${sender}: ${rate}/s for ${rateDuration} s (other processes: ${quiet.foreignCores} cores)`);
      const meter = c.cpuMeter(pids);
      meter.start();
      const client = sender.startsWith('autocannon')
        ? c.summarise(await c.fire(service.url, pool, { connections, duration: rateDuration, overallRate: rate, onResponse: count }))
        : await paced(service.url, pool, { rate, duration: rateDuration, onResponse: count });
      const cpu = meter.stop();
      const drained = await c.waitApplied(sandbox, accepted, DRAIN_LIMIT_S);
      const latency = await c.getJson(`${service.url}/metrics/latency`);
      rows.push({
        sender,
        rate,
        sentPerSec: client.reqPerSec,
        statusCodes: client.statusCodes,
        clientAckP99Ms: client.latencyMs.p99,
        serviceAckP99Ms: latency.ack?.p99_latency_ms,
        e2eP50Ms: latency.p50_latency_ms,
        e2eP95Ms: latency.p95_latency_ms,
        e2eP99Ms: latency.p99_latency_ms,
        e2eMeanMs: latency.mean_latency_ms,
        slaCompliancePercent: latency.sla_compliance_percent,
        windowSamples: latency.total_requests,
        drained,
        cpu,
        quietBefore: quiet,
      });
      c.log(`(b) ${sender}: e2e p50 ${latency.p50_latency_ms} ms, p99 ${latency.p99_latency_ms} ms; ack p99 ${latency.ack?.p99_latency_ms} ms`);
    }
    return rows;
  } finally {
    await service.stop();
    await sandbox.stop();
  }
}

async function main() {
  c.requireBuild();
  const machine = c.machine();
  const fsync = c.fsyncProbe();
  c.log(`machine: ${machine.nproc} x ${machine.cpuModel}, node ${machine.node}, loadavg ${machine.loadavg.join(' ')}`);
  const pool = new c.BodyPool(Number(args.pool));
  c.log(`${pool.items.length} distinct signed bodies precomputed in ${pool.buildMs} ms`);
  const retry = (label) => ({ retries: Number(args.retries), maxForeign: Number(args['max-foreign']), label });

  const backlog = await c.leastDisturbed(() => preload(pool, Number(args.backlog)), (r) => r.cpu.foreignCores, {
    ...retry('preload'),
    discard: (r) => fs.rmSync(r.dataDir, { recursive: true, force: true }),
  });
  const drainRows = [];
  const mixedRows = [];
  try {
    for (const sync of syncs) {
      for (const concurrency of concurrencies) {
        drainRows.push(await c.leastDisturbed(() => drainOnly(concurrency, sync, backlog), (r) => r.cpu.foreignCores, retry(`drain c${concurrency}-${sync}`)));
      }
    }
  } finally {
    fs.rmSync(backlog.dataDir, { recursive: true, force: true });
  }
  if (!args['skip-mixed']) {
    for (const sync of syncs) {
      for (const concurrency of concurrencies) {
        mixedRows.push(await c.leastDisturbed(() => mixed(concurrency, sync, pool), (r) => r.cpu.foreignCores, retry(`mixed c${concurrency}-${sync}`)));
      }
    }
  }
  // One event loop acks and delivers: an event costs 1/ackOnly + 1/deliveryOnly seconds of it.
  for (const row of drainRows) row.balancedPerSec = c.round(1 / (1 / backlog.ackOnlyPerSec + 1 / row.deliveredPerSec), 0);

  let rateRows = [];
  let rate;
  if (!args['skip-rate']) {
    const reference = drainRows.find((r) => r.concurrency === 16 && r.sync === 'full') ?? drainRows[0];
    rate = args.rate ? Number(args.rate) : Math.round(0.5 * reference.balancedPerSec);
    rateRows = await belowSaturation(rate, pool);
  }

  const command = `node bench/e2e.js ${process.argv.slice(2).join(' ')}`.trim();
  console.log(`\n## End to end (a): delivery into a CRM answering in ${crmLatency} ms\n`);
  console.log(`Ack only (delivery off, ${backlog.count} events preloaded): ${backlog.ackOnlyPerSec} accepted/s, p99 ${backlog.ackP99Ms} ms.\n`);
  console.log('Delivery alone (the preloaded backlog drained, no webhooks coming in):\n');
  console.log(
    c.table(
      drainRows.map((r) => ({
        ...r,
        cores: `${r.cpu.coresUsed.server} / ${r.cpu.coresUsed.sandbox} / ${r.cpu.foreignCores}`,
        codes: Object.entries(r.crmRequestsByCode).map(([k, v]) => `${k}:${v}`).join(' '),
      })),
      {
        label: 'run',
        ceilingPerSec: 'ceiling = concurrency / latency',
        deliveredPerSec: 'delivered/s',
        ratioToCeiling: 'ratio to ceiling',
        crmRequestMeanMs: 'CRM request mean ms (service side)',
        serverCpuMsPerDelivery: 'service CPU ms/delivery',
        balancedPerSec: 'est. end-to-end events/s (ack + delivery on one loop)',
        cores: 'cores: service / sandbox / other',
      },
    ),
  );
  for (const { label, profile: p } of drainRows.filter((r) => r.profile)) {
    console.log(`\n### CPU profile of the service while draining, ${label} (busy ${p.busyMs} ms of ${p.wallMs} ms sampled)\n`);
    console.log(c.table(p.byOrigin, { name: 'where', ms: 'self ms', shareOfBusy: 'share of busy' }));
    console.log('');
    console.log(c.table(p.topFunctions, { name: 'function', ms: 'self ms', shareOfBusy: 'share of busy' }));
  }
  if (mixedRows.length) {
    console.log(`\nWebhooks pushed at full speed (${connections} connections, ${warmup} + ${duration} s) while delivering:\n`);
    console.log(
      c.table(
        mixedRows.map((r) => ({ ...r, cores: `${r.cpu.coresUsed.server} / ${r.cpu.coresUsed.sandbox} / ${r.cpu.coresUsed.loadGenerator} / ${r.cpu.foreignCores}` })),
        {
          label: 'run',
          acceptedPerSec: 'webhooks accepted/s',
          ackP99Ms: 'ack p99 ms',
          deliveredPerSec: 'delivered/s',
          backlogAtEnd: 'backlog at the end',
          crmRequestMeanMs: 'CRM request mean ms',
          cores: 'cores: service / sandbox / load gen / other',
        },
      ),
    );
  }
  if (rateRows.length) {
    console.log(`\n## End to end (b): ${rate} events/s for ${rateDuration} s (CRM_CONCURRENCY=16, ${crmLatency} ms CRM)\n`);
    console.log(
      c.table(rateRows, {
        sender: 'sender',
        sentPerSec: 'sent/s',
        e2eP50Ms: 'e2e p50 ms',
        e2eP95Ms: 'e2e p95 ms',
        e2eP99Ms: 'e2e p99 ms (receipt to upsert)',
        serviceAckP99Ms: 'ack p99 ms (service)',
        clientAckP99Ms: 'ack p99 ms (client)',
        windowSamples: 'samples',
      }),
    );
  }
  console.log(`\nmachine: ${machine.nproc} CPU(s), ${machine.cpuModel}, node ${machine.node}, load average at start ${machine.loadavg.join(' ')}`);
  console.log(`fdatasync (4 KiB append): median ${fsync.medianMs} ms, p99 ${fsync.p99Ms} ms`);
  console.log(`command: ${command}`);
  c.writeJson(args.json, {
    benchmark: 'e2e',
    command,
    machine,
    fsync,
    options: { concurrencies, syncs, connections, duration, warmup, drain, crmLatency, rate, rateDuration, backlog: backlog.count },
    ackOnly: { ...backlog, dataDir: undefined },
    deliveryOnly: drainRows,
    mixed: mixedRows,
    belowSaturation: rateRows,
  });
}

c.runMain(main);
