#!/usr/bin/env node
'use strict';
/**
 * Ack path: requests/s and p99 of POST /webhooks/cognigy/dialog-complete on the built
 * service (HMAC checked, validated, durably stored, 202) against a bare node:http server doing only
 * the HMAC check, JSON parse and 202 (bench/baseline-server.js), on the same signed payloads, with
 * the same connections and duration, one after the other in one run on this machine.
 *
 * Variants (--variants, comma-separated, in this order by default):
 *   baseline  bench/baseline-server.js
 *   full      the service, SQLITE_SYNCHRONOUS=full (default: fsync per group commit), LOG_LEVEL=warn,
 *             DELIVERY_ENABLED=false: only the ack path
 *   normal    the same with SQLITE_SYNCHRONOUS=normal (survives process crashes only)
 *   info      the same as full with LOG_LEVEL=info (the service's default: one access log line per request)
 *   delivery  full, with delivery on to a sandbox CRM answering in --crm-latency ms (default 20):
 *             the ack while the worker delivers the growing backlog
 *
 * Before each measurement: wait up to --quiet-wait s (60) until other processes use under
 * --quiet-threshold cores (0.25); a variant during which they used more than --max-foreign (0.35)
 * is run again, up to --retries (2) times, and the least disturbed attempt reported. --profile adds
 * a CPU profile of each service variant over the measured seconds (node --cpu-prof).
 *
 *   npm run bench:ack
 *   node bench/ack.js --connections 50 --duration 10 --warmup 2 [--variants baseline,full] [--profile] [--json out.json]
 */
const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const c = require('./lib/common');
const { summariseProfile } = require('./lib/profile');

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    variants: { type: 'string', default: 'baseline,full,normal,info,delivery' },
    pool: { type: 'string', default: '200000' },
    'crm-latency': { type: 'string', default: '20' },
    profile: { type: 'boolean', default: false },
    'quiet-wait': { type: 'string', default: '60' },
    'quiet-threshold': { type: 'string', default: '0.25' },
    retries: { type: 'string', default: '2' },
    'max-foreign': { type: 'string', default: '0.35' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
c.printHelpIf(args.help, __filename);

const connections = Number(args.connections);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const crmLatency = Number(args['crm-latency']);
const quietWait = Number(args['quiet-wait']);
const quietThreshold = Number(args['quiet-threshold']);
const variants = args.variants.split(',').map((v) => v.trim()).filter(Boolean);
const KNOWN = ['baseline', 'full', 'normal', 'info', 'delivery', 'redis'];
const unknown = variants.filter((v) => !KNOWN.includes(v));
if (unknown.length) throw new Error(`unknown variant(s): ${unknown.join(', ')}; known: ${KNOWN.join(', ')}`);

c.timeLimit(60 + variants.length * (1 + Number(args.retries)) * (warmup + duration + quietWait + 50));

// Not part of the default run: it needs a Redis (REDIS_URL, default 127.0.0.1:6379), whose keys
// under the benchmark's own prefix are deleted afterwards.
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const redisPrefix = `ccs-bench-${process.pid}`;

const DESCRIPTION = {
  baseline: 'bare node:http: HMAC + JSON.parse + 202',
  full: 'service, SQLITE_SYNCHRONOUS=full, LOG_LEVEL=warn, delivery off',
  normal: 'service, SQLITE_SYNCHRONOUS=normal, LOG_LEVEL=warn, delivery off',
  info: 'service, SQLITE_SYNCHRONOUS=full, LOG_LEVEL=info, delivery off',
  delivery: `service, SQLITE_SYNCHRONOUS=full, LOG_LEVEL=warn, delivery on (sandbox CRM ${crmLatency} ms)`,
  redis: `service, QUEUE_DRIVER=redis (${REDIS_URL}), LOG_LEVEL=warn, delivery off`,
};

async function startTarget(variant, profileDir) {
  if (variant === 'baseline') return { server: await c.startBaseline() };
  const env = {
    full: { SQLITE_SYNCHRONOUS: 'full' },
    normal: { SQLITE_SYNCHRONOUS: 'normal' },
    info: { SQLITE_SYNCHRONOUS: 'full', LOG_LEVEL: 'info' },
    delivery: { SQLITE_SYNCHRONOUS: 'full' },
    redis: { QUEUE_DRIVER: 'redis', REDIS_URL, REDIS_KEY_PREFIX: redisPrefix },
  }[variant];
  const sandbox = variant === 'delivery' ? await c.startSandbox({ latencyMs: crmLatency }) : undefined;
  const server = await c.startService({ env, crm: sandbox, label: variant, profileDir });
  return { server, sandbox };
}

async function runVariant(variant, pool) {
  c.log(`${variant}: starting (${DESCRIPTION[variant]})`);
  const profileDir = args.profile && variant !== 'baseline' ? fs.mkdtempSync(path.join(os.tmpdir(), 'ccs-bench-prof-')) : undefined;
  const { server, sandbox } = await startTarget(variant, profileDir);
  let window;
  let row;
  try {
    pool.reset();
    c.log(`${variant}: warm-up ${warmup} s, ${connections} connections`);
    if (warmup > 0) await c.fire(server.url, pool, { connections, duration: warmup });
    const pids = { server: server.pid };
    if (sandbox) pids.sandbox = sandbox.pid;
    const quiet = await c.waitQuiet({ maxWaitS: quietWait, threshold: quietThreshold, pids });
    const meter = c.cpuMeter(pids);
    const applied0 = sandbox ? (await sandbox.stats()).applied : undefined;
    c.log(`${variant}: measuring ${duration} s (other processes: ${quiet.foreignCores} cores)`);
    meter.start();
    const from = c.nowUs();
    const result = await c.fire(server.url, pool, { connections, duration });
    const to = c.nowUs();
    const cpu = meter.stop();
    window = { from, to };
    const summary = c.summarise(result);
    row = { variant, description: DESCRIPTION[variant], ...summary, cpu, quietBefore: quiet, poolWrapped: pool.wrapped };
    row.serverCpuMsPerRequest = c.round((cpu.cpuSeconds.server * 1000) / summary.requests, 3);
    if (sandbox) {
      const applied = (await sandbox.stats()).applied - applied0;
      row.deliveredDuringMeasurePerSec = c.round(applied / cpu.wallS, 0);
    }
    if (variant !== 'baseline') {
      const metrics = await c.getText(`${server.url}/metrics`);
      row.serviceMetrics = {
        eventLoopLagP99Ms: c.round(c.promValue(metrics, 'nodejs_eventloop_lag_p99_seconds') * 1000, 1),
        gcSecondsTotal: c.round(c.promValue(metrics, 'nodejs_gc_duration_seconds_sum'), 2),
        residentMiB: c.round(c.promValue(metrics, 'process_resident_memory_bytes') / 2 ** 20, 1),
      };
      row.serviceAckWindow = (await c.getJson(`${server.url}/metrics/latency`)).ack;
      row.env = server.env;
    }
    c.log(`${variant}: ${summary.acceptedPerSec} accepted/s, p99 ${summary.latencyMs.p99} ms, codes ${JSON.stringify(summary.statusCodes)}`);
    return row;
  } finally {
    await server.stop();
    if (sandbox) await sandbox.stop();
    if (variant === 'redis') await c.deleteRedisKeys(REDIS_URL, redisPrefix);
    if (profileDir) {
      const files = fs.readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
      if (files.length) {
        const summary = summariseProfile(path.join(profileDir, files[0]), { window });
        if (row) row.profile = summary;
      }
      fs.rmSync(profileDir, { recursive: true, force: true });
    }
  }
}

async function main() {
  c.requireBuild();
  const machine = c.machine();
  const fsync = c.fsyncProbe();
  c.log(`machine: ${machine.nproc} x ${machine.cpuModel}, node ${machine.node}, loadavg ${machine.loadavg.join(' ')}`);
  c.log(`fdatasync of a 4 KiB append in ${os.tmpdir()}: median ${fsync.medianMs} ms, p99 ${fsync.p99Ms} ms`);
  const pool = new c.BodyPool(Number(args.pool));
  c.log(`${pool.items.length} distinct signed bodies precomputed in ${pool.buildMs} ms`);

  const rows = [];
  for (const variant of variants) {
    const row = await c.leastDisturbed(() => runVariant(variant, pool), (r) => r.cpu.foreignCores, {
      retries: Number(args.retries),
      maxForeign: Number(args['max-foreign']),
      label: variant,
    });
    rows.push(row);
  }

  const base = rows.find((r) => r.variant === 'baseline');
  const reference = rows.find((r) => r.variant === 'full');
  for (const row of rows) {
    if (base && row !== base) {
      row.ratioRps = c.round(row.acceptedPerSec / base.acceptedPerSec, 3);
      row.ratioP99 = c.round(row.latencyMs.p99 / base.latencyMs.p99, 2);
    }
    if (reference && row !== reference && row !== base) {
      row.vsFullRps = c.round(row.acceptedPerSec / reference.acceptedPerSec, 2);
    }
  }

  const command = `node bench/ack.js ${process.argv.slice(2).join(' ')}`.trim();
  const display = rows.map((r) => ({
    variant: r.variant,
    rps: r.acceptedPerSec,
    p50: r.latencyMs.p50,
    p99: r.latencyMs.p99,
    ratioRps: r.ratioRps ?? '',
    ratioP99: r.ratioP99 ?? '',
    cpu: r.serverCpuMsPerRequest,
    cores: `${r.cpu.coresUsed.server} / ${r.cpu.coresUsed.loadGenerator} / ${r.cpu.foreignCores}`,
    codes: Object.entries(r.statusCodes).map(([k, v]) => `${k}:${v}`).join(' ') + (r.errors ? ` errors:${r.errors}` : ''),
  }));
  console.log(`\n## Ack path (${connections} connections, ${warmup} s warm-up + ${duration} s measured per variant)\n`);
  console.log(
    c.table(display, {
      variant: 'variant',
      rps: '2xx accepted/s',
      p50: 'p50 ms',
      p99: 'p99 ms',
      ratioRps: 'req/s ratio to baseline',
      ratioP99: 'p99 ratio to baseline',
      cpu: 'server CPU ms/request',
      cores: 'cores: server / load gen / other',
      codes: 'status codes',
    }),
  );
  for (const r of rows) {
    if (r.deliveredDuringMeasurePerSec !== undefined) {
      console.log(`\n${r.variant}: the worker delivered ${r.deliveredDuringMeasurePerSec} events/s to the sandbox during the measurement.`);
    }
    if (r.poolWrapped) console.log(`\nWARNING ${r.variant}: the body pool wrapped ${r.poolWrapped} time(s): raise --pool.`);
  }
  for (const { variant, profile: p } of rows.filter((r) => r.profile)) {
    console.log(`\n### CPU profile of the service during the measurement, ${variant} (busy ${p.busyMs} ms of ${p.wallMs} ms sampled)\n`);
    console.log(c.table(p.byOrigin, { name: 'where', ms: 'self ms', shareOfBusy: 'share of busy' }));
    console.log('');
    console.log(c.table(p.topFunctions, { name: 'function', ms: 'self ms', shareOfBusy: 'share of busy' }));
  }
  console.log(`\nmachine: ${machine.nproc} CPU(s), ${machine.cpuModel}, node ${machine.node}, load average at start ${machine.loadavg.join(' ')}`);
  console.log(`fdatasync (4 KiB append, ${os.tmpdir()}): median ${fsync.medianMs} ms, p99 ${fsync.p99Ms} ms`);
  console.log(`command: ${command}`);
  c.writeJson(args.json, { benchmark: 'ack', command, machine, fsync, options: { connections, duration, warmup, crmLatency }, rows });
}

c.runMain(main);
