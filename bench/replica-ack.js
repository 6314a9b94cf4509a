#!/usr/bin/env node
'use strict';
/**
 * The cost of REDIS_MIN_REPLICAS_ACK=1 on the ack: the built service on the Redis driver at a steady
 * 200 webhooks/s (open loop, bench/lib/paced.js: latency from each request's scheduled send time),
 * on a master with one replica on loopback (bench/lib/redis-pair.js, AOF fsync'd every second),
 * with and without waiting for the replica (WAIT) before the 202, and the bare node:http peer
 * (bench/baseline-server.js) for scale. Variants interleaved round by round (--rounds), so a busy
 * spell of the machine hits them alike; each on a fresh key prefix, delivery off.
 *
 *   baseline  bench/baseline-server.js: HMAC + JSON.parse + 202
 *   no-acks   service, QUEUE_DRIVER=redis, REDIS_MIN_REPLICAS_ACK=0 (the master's answer suffices)
 *   acks      the same with REDIS_MIN_REPLICAS_ACK=1 (the replica confirms each event before its 202)
 *
 * Before each measurement: wait up to --quiet-wait s until other processes use under
 * --quiet-threshold cores (what they used is in the table: the figures say how busy the machine was).
 *
 *   npm run bench:replica-ack
 *   node bench/replica-ack.js [--rate 200] [--duration 20] [--warmup 3] [--rounds 3] [--json out.json]
 */
const { parseArgs } = require('node:util');
const c = require('./lib/common');
const { paced } = require('./lib/paced');
const { startRedisPair } = require('./lib/redis-pair');

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    pool: { type: 'string', default: '50000' },
    'quiet-wait': { type: 'string', default: '60' },
    'quiet-threshold': { type: 'string', default: '0.25' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
c.printHelpIf(args.help, __filename);

const rate = Number(args.rate);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const rounds = Number(args.rounds);
const VARIANTS = ['baseline', 'no-acks', 'acks'];
c.timeLimit(120 + rounds * VARIANTS.length * (warmup + duration + Number(args['quiet-wait']) + 40));

async function startTarget(variant, redis, prefix) {
  if (variant === 'baseline') return c.startBaseline();
  const env = {
    QUEUE_DRIVER: 'redis',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: prefix,
    REDIS_MIN_REPLICAS_ACK: variant === 'acks' ? '1' : '0',
  };
  return c.startService({ env, label: variant });
}

async function measure(variant, round, redis, pool) {
  const prefix = `ccs-bench-ack-${process.pid}-${round}-${variant}`;
  const server = await startTarget(variant, redis, prefix);
  try {
    pool.reset();
    if (warmup > 0) await paced(server.url, pool, { rate, duration: warmup });
    const pids = { server: server.pid };
    if (variant !== 'baseline') Object.assign(pids, { master: redis.masterPid, replica: redis.replicaPid });
    const quiet = await c.waitQuiet({
      maxWaitS: Number(args['quiet-wait']),
      threshold: Number(args['quiet-threshold']),
      pids,
    });
    const meter = c.cpuMeter(pids);
    meter.start();
    const result = await paced(server.url, pool, { rate, duration });
    const cpu = meter.stop();
    const row = {
      round,
      variant,
      ...result.latencyMs,
      accepted: result.statusCodes[202] ?? 0,
      codes: result.statusCodes,
      errors: result.errors,
      serverCpuMsPerRequest: c.round((cpu.cpuSeconds.server * 1000) / result.requests, 3),
      foreignCores: cpu.foreignCores,
      quietBefore: quiet.foreignCores,
    };
    c.log(`round ${round} ${variant}: p50 ${row.p50} ms, p99 ${row.p99} ms, codes ${JSON.stringify(row.codes)}`);
    return row;
  } finally {
    await server.stop();
    if (variant !== 'baseline') await c.deleteRedisKeys(redis.url, prefix);
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

async function main() {
  c.requireBuild();
  const machine = c.machine();
  c.log(`machine: ${machine.nproc} x ${machine.cpuModel}, node ${machine.node}, loadavg ${machine.loadavg.join(' ')}`);
  const pool = new c.BodyPool(Number(args.pool));
  const redis = await startRedisPair();
  const rows = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const variant of VARIANTS) rows.push(await measure(variant, round, redis, pool));
    }
  } finally {
    await redis.stop();
  }
  const p99Of = (variant, round) => rows.find((r) => r.variant === variant && r.round === round).p99;
  const ratios = Array.from({ length: rounds }, (_, i) => c.round(p99Of('acks', i + 1) / p99Of('no-acks', i + 1), 2));
  const display = rows.map((r) => ({
    ...r,
    codes: Object.entries(r.codes).map(([k, v]) => `${k}:${v}`).join(' ') + (r.errors ? ` errors:${r.errors}` : ''),
  }));
  console.log(`\n## REDIS_MIN_REPLICAS_ACK on the ack (${rate}/s open loop, ${duration} s per variant, ${rounds} rounds)\n`);
  console.log(
    c.table(display, {
      round: 'round',
      variant: 'variant',
      p50: 'p50 ms',
      p90: 'p90 ms',
      p99: 'p99 ms',
      max: 'max ms',
      serverCpuMsPerRequest: 'service CPU ms/req',
      foreignCores: 'other processes (cores)',
      codes: 'answers',
    }),
  );
  console.log(`\np99 with acks / p99 without, per round: ${ratios.join(', ')} (median ${median(ratios)})`);
  console.log(`machine: ${machine.nproc} x ${machine.cpuModel}, loadavg at start ${machine.loadavg.join(' ')}`);
  if (args.json) c.writeJson(args.json, { machine, rate, duration, rounds, rows, ratios });
}

c.runMain(main);
