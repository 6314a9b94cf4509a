#!/usr/bin/env node
'use strict';
/**
 * What tracing costs: the service's CPU per event (its ack and its delivery: the meter runs from
 * the first webhook until the CRM has every event) at --rate (200) events/s for --duration (5) s,
 * open loop (bench/lib/paced.js), SQLite synchronous=full, delivering to the sandbox CRM answering
 * at once, after a --warmup (1) s at the same rate on the same service (JIT, pools, first claims).
 * Three variants, measured once each per round, in an order rotated every round so a busy
 * spell of a shared machine hits each of them (--rounds 5):
 *   - before:      --before DIR, a build of the commit before tracing (OTEL_* unknown to it);
 *   - tracing off: this build (BENCH_DIST or dist/), no OTEL_* variable set;
 *   - tracing on:  this build with OTEL_TRACES_SAMPLER=always_on, exporting (OTLP/HTTP, JSON) to a
 *                  receiver in this process that reads and drops each export.
 * Reported: median (min-max) over the rounds of CPU µs per event and each variant's ratio of
 * medians to "before" and the median of its per-round ratios (each round's variant over that round's
 * "before": robust to a slow spell that spans a round), the cores other processes used during each
 * measurement, and the load average.
 *
 *   node bench/tracing.js --before /path/to/before/dist [--rounds 5] [--rate 200] [--duration 5] [--warmup 1] [--json out.json]
 */
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const c = require('./lib/common');
const { paced } = require('./lib/paced');

const { values: args } = parseArgs({
  options: {
    before: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    'quiet-wait': { type: 'string', default: '20' },
    'quiet-threshold': { type: 'string', default: '0.25' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
c.printHelpIf(args.help, __filename);
if (!args.before) throw new Error('--before DIR is required (the build of the commit before tracing)');

const rounds = Number(args.rounds);
const rate = Number(args.rate);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const quiet = { maxWaitS: Number(args['quiet-wait']), threshold: Number(args['quiet-threshold']) };
c.timeLimit(60 + rounds * 3 * (quiet.maxWaitS + warmup + duration + 60));

const { median, spread } = c;

/** An OTLP/HTTP traces endpoint that reads each export whole, counts its bytes and answers 200. */
async function startReceiver() {
  const received = { exports: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    req.on('data', (chunk) => (received.bytes += chunk.length));
    req.on('end', () => {
      received.exports++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, c.HOST, resolve));
  return { url: `http://${c.HOST}:${server.address().port}`, received, stop: () => server.close() };
}

async function measure(variant, pool) {
  const sandbox = await c.startSandbox({ latencyMs: 0, dist: variant.dist });
  const service = await c.startService({ crm: sandbox, dist: variant.dist, env: variant.env, label: `tracing-${variant.key}` });
  let accepted = 0;
  const onResponse = (code) => code === 202 && accepted++;
  try {
    pool.reset();
    await paced(service.url, pool, { rate, duration: warmup, onResponse });
    await c.waitApplied(sandbox, accepted);
    await c.waitQuiet({ ...quiet, pids: { service: service.pid, sandbox: sandbox.pid } });
    const meter = c.cpuMeter({ service: service.pid, sandbox: sandbox.pid });
    const before = accepted;
    meter.start();
    const result = await paced(service.url, pool, { rate, duration, onResponse });
    await c.waitApplied(sandbox, accepted);
    const cpu = meter.stop();
    const events = accepted - before;
    if (events < result.requests) throw new Error(`${variant.name}: ${result.requests - events} webhooks not accepted: ${JSON.stringify(result.statusCodes)}`);
    return { cpuUsPerEvent: c.round((cpu.cpuSeconds.service * 1e6) / events, 0), events, p99Ms: result.latencyMs.p99, other: cpu.foreignCores };
  } finally {
    await service.stop();
    await sandbox.stop();
  }
}

async function main() {
  const beforeDist = path.resolve(args.before);
  c.requireBuild(beforeDist);
  c.requireBuild();
  const machine = c.machine();
  c.log(`machine: ${machine.nproc} x ${machine.cpuModel}, node ${machine.node}, loadavg ${machine.loadavg.join(' ')}`);
  const receiver = await startReceiver();
  const variants = [
    { key: 'before', name: 'before (no tracing code)', dist: beforeDist, env: {}, rows: [] },
    { key: 'off', name: 'tracing off', dist: c.DIST, env: {}, rows: [] },
    {
      key: 'on',
      name: 'tracing on (always_on, exporting)',
      dist: c.DIST,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER: 'always_on' },
      rows: [],
    },
  ];
  const pool = new c.BodyPool(Math.ceil(rate * (duration + warmup)));
  const loads = [];
  try {
    for (let round = 0; round < rounds; round++) {
      loads.push(os.loadavg().map((l) => c.round(l, 2)).join(' '));
      for (const variant of variants.map((_, i) => variants[(i + round) % variants.length])) {
        const row = await measure(variant, pool);
        c.log(`round ${round + 1} ${variant.name}: ${row.cpuUsPerEvent} µs/event, p99 ${row.p99Ms} ms, other ${row.other} cores`);
        variant.rows.push({ round: round + 1, ...row });
      }
    }
  } finally {
    receiver.stop();
  }
  if (receiver.received.exports === 0) throw new Error('tracing on exported nothing');

  const reference = median(variants[0].rows.map((r) => r.cpuUsPerEvent));
  const command = `node bench/tracing.js ${process.argv.slice(2).join(' ')}`.trim();
  console.log(`\n## Tracing's cost: service CPU per event (ack + delivery) at ${rate}/s for ${duration} s, SQLite full, CRM answering at once\n`);
  console.log(`${rounds} rounds, median (min–max) over the rounds:\n`);
  console.log(
    c.table(
      variants.map((v) => {
        const cpu = v.rows.map((r) => r.cpuUsPerEvent);
        return {
          name: v.name,
          cpu: spread(cpu, 0),
          ratio: c.round(median(cpu) / reference, 3),
          paired: c.round(median(v.rows.map((r, i) => r.cpuUsPerEvent / variants[0].rows[i].cpuUsPerEvent)), 3),
          p99: spread(v.rows.map((r) => r.p99Ms), 1),
          other: spread(v.rows.map((r) => r.other), 2),
        };
      }),
      {
        name: 'variant',
        cpu: 'service CPU µs/event',
        ratio: '÷ before',
        paired: '÷ before, median of rounds',
        p99: 'ack p99 ms',
        other: 'other processes, cores',
      },
    ),
  );
  console.log(`\nexports received with tracing on: ${receiver.received.exports} (${Math.round(receiver.received.bytes / 1024)} KiB)`);
  console.log(`load average before each round: ${loads.join(' | ')}`);
  console.log(`machine: ${machine.nproc} CPU(s), ${machine.cpuModel}, node ${machine.node}, load average at start ${machine.loadavg.join(' ')}, at end ${os.loadavg().map((l) => c.round(l, 2)).join(' ')}`);
  console.log(`command: ${command}`);
  c.writeJson(args.json, { benchmark: 'tracing', command, machine, loads, received: receiver.received, variants });
}

c.runMain(main);
