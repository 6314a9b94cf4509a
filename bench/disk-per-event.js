#!/usr/bin/env node
'use strict';
/**
 * Store size per event, for sizing the SQLite volume and the Redis memory: the built service takes
 * --events signed webhooks (the benchmarks' body, ~330 bytes) in each of these states, then the
 * store is measured against the same service's empty store:
 *   - queued: delivery off, the events wait (a CRM outage, or a backlog);
 *   - delivered: delivered into the sandbox CRM; kept for the dedup window (DEDUP_TTL_SECONDS).
 * SQLite: events.sqlite plus its -wal and -shm after the service stopped (it checkpoints on close).
 * Redis: the sum of MEMORY USAGE over the service's keys (its own prefix), BullMQ's included.
 * A size, not a time: the load of the machine does not change it.
 *
 *   npm run bench:disk
 *   node bench/disk-per-event.js [--events 2000] [--redis-url redis://127.0.0.1:6379] [--json out.json]
 */
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const c = require('./lib/common');

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '2000' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
c.printHelpIf(args.help, __filename);
const EVENTS = Number(args.events);

function sqliteBytes(dataDir) {
  return ['events.sqlite', 'events.sqlite-wal', 'events.sqlite-shm']
    .map((name) => path.join(dataDir, name))
    .filter((file) => fs.existsSync(file))
    .reduce((sum, file) => sum + fs.statSync(file).size, 0);
}

async function redisBytes(prefix) {
  const IORedis = require('ioredis');
  const client = new IORedis(args['redis-url']);
  try {
    let cursor = '0';
    let bytes = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      for (const key of keys) bytes += Number(await client.memory('USAGE', key, 'SAMPLES', '0')) || 0;
      cursor = next;
    } while (cursor !== '0');
    return bytes;
  } finally {
    client.disconnect();
  }
}

/** One store in one state: the bytes of the empty store and after EVENTS events. */
async function measure(driver, state) {
  const prefix = `ccs-bench-disk-${Date.now()}`;
  const redis = driver === 'redis' ? { QUEUE_DRIVER: 'redis', REDIS_URL: args['redis-url'], REDIS_KEY_PREFIX: prefix } : {};
  const sandbox = state === 'delivered' ? await c.startSandbox({ latencyMs: 0 }) : undefined;
  const dataDir = c.makeTempDir(`disk-${driver}-${state}`);
  const size = () => (driver === 'redis' ? redisBytes(prefix) : sqliteBytes(dataDir));
  try {
    let service = await c.startService({ env: redis, crm: sandbox, dataDir, keepData: true, label: driver });
    await service.stop();
    const empty = await size();
    service = await c.startService({ env: redis, crm: sandbox, dataDir, keepData: true, label: driver });
    const pool = new c.BodyPool(EVENTS);
    const result = await c.fire(service.url, pool, { connections: 10, amount: EVENTS });
    if (result.non2xx > 0) throw new Error(`${result.non2xx} webhooks were not accepted`);
    if (sandbox) await c.waitApplied(sandbox, EVENTS);
    await service.stop();
    const full = await size();
    return { driver, state, events: EVENTS, emptyBytes: empty, bytes: full, bytesPerEvent: Math.round((full - empty) / EVENTS) };
  } finally {
    await sandbox?.stop();
    if (driver === 'redis') await c.deleteRedisKeys(args['redis-url'], prefix);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  c.requireBuild();
  c.timeLimit(600);
  const rows = [];
  for (const driver of ['sqlite', 'redis']) {
    for (const state of ['queued', 'delivered']) {
      c.log(`${driver}, ${state}: ${EVENTS} events`);
      rows.push(await measure(driver, state));
    }
  }
  process.stdout.write(`${c.table(rows, { driver: 'driver', state: 'state', events: 'events', emptyBytes: 'empty store, bytes', bytes: 'after, bytes', bytesPerEvent: 'bytes per event' })}\n`);
  if (args.json) c.writeJson(args.json, { machine: c.machine(), rows });
}

c.runMain(main);
