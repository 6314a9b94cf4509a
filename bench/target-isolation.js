#!/usr/bin/env node
'use strict';
/**
 * Isolation between targets (issue 20 item 3): the built service (BENCH_DIST, default dist/) with
 * a ROUTES_FILE fanning every event of the default source out to targets `a` and `b`, each a CRM
 * sandbox of its own (children, dist/dev/sandbox/sandbox-main.js) answering upserts in
 * --crm-latency (20) ms. Signed webhooks at --rate (200) events/s for --duration (30) s, open
 * loop (bench/lib/paced.js: ack latency from each request's scheduled send time), in three cases:
 *
 *   healthy   a answers like b
 *   a-503     a answers every upsert 503
 *   a-hang    a never answers an upsert (its requests end at CRM_TIMEOUT_MS)
 *
 * For each: the ack p99, and b's receipt -> upsert p99 (the time b's sandbox received the upsert
 * minus the event's scheduled send time; b's request log is read every 500 ms, the sandbox keeping
 * the last 1000). --rounds (2) rounds, each running every case once on a fresh service and fresh
 * sandboxes, in alternating order, so a busy spell of the shared machine hits all cases; reported:
 * each faulty case's p99 over the healthy case's of the same round, and the load average.
 *
 *   npm run bench:isolation
 *   node bench/target-isolation.js [--rate 200] [--duration 30] [--rounds 2] [--drain-limit 120] [--json out.json]
 *
 * b's figures cover the events that reached it within --drain-limit s after the last send
 * (`bMeasured`; `bAllArrived` says whether all did).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const c = require('./lib/common');
const { paced } = require('./lib/paced');

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '2' },
    'crm-latency': { type: 'string', default: '20' },
    'drain-limit': { type: 'string', default: '120' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
c.printHelpIf(args.help, __filename);

const rate = Number(args.rate);
const duration = Number(args.duration);
const rounds = Number(args.rounds);
const crmLatency = Number(args['crm-latency']);
const drainLimit = Number(args['drain-limit']);
const events = Math.floor(rate * duration);
const CASES = {
  healthy: undefined,
  'a-503': { status: 503 },
  'a-hang': { hang: true },
};

/** The routing file: the default source (the bench's HMAC secret) to both targets. */
function routesFile(dir, sandboxes) {
  const target = (sandbox, secretVariable) => ({
    connector: 'generic',
    settings: { CRM_BASE_URL: sandbox.url, CRM_TOKEN_URL: sandbox.tokenUrl, CRM_CLIENT_ID: sandbox.clientId },
    secrets: { CRM_CLIENT_SECRET: secretVariable },
  });
  const file = path.join(dir, 'routes.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      sources: { default: { secrets: { COGNIGY_WEBHOOK_SECRETS: 'BENCH_HMAC' } } },
      targets: { a: target(sandboxes.a, 'BENCH_A_SECRET'), b: target(sandboxes.b, 'BENCH_B_SECRET') },
      routes: [{ source: 'default', targets: [{ target: 'a' }, { target: 'b' }] }],
    }),
  );
  return file;
}

/** b's upserts as they arrive: event index -> arrival time (ms since the epoch), read from its request log. */
function watchArrivals(sandbox) {
  const arrivals = new Map();
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      try {
        for (const r of await c.getJson(`${sandbox.url}/_sandbox/requests`)) {
          const id = /^C-[^-]+-(\d+)$/.exec(String(r.body?.external_id ?? ''));
          if (r.path.endsWith('/upsert') && id && !arrivals.has(Number(id[1]))) arrivals.set(Number(id[1]), Date.parse(r.at));
        }
      } catch {
        // A read during the sandbox's busiest moment may fail: the next one covers it.
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  const running = poll();
  return {
    arrivals,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

async function runCase(name, pool) {
  const fault = CASES[name];
  const sandboxes = {
    // A fault replaces the latency (the sandbox serves the first fault that matches).
    a: await c.startSandbox({ latencyMs: fault ? 0 : crmLatency, fault }),
    b: await c.startSandbox({ latencyMs: crmLatency }),
  };
  const dir = c.makeTempDir('isolation');
  const service = await c.startService({
    label: `isolation-${name}`,
    crm: sandboxes.b, // the environment's own CRM, used by no target: no built-in sandbox starts
    env: {
      ROUTES_FILE: routesFile(dir, sandboxes),
      BENCH_HMAC: c.SECRET,
      BENCH_A_SECRET: sandboxes.a.clientSecret,
      BENCH_B_SECRET: sandboxes.b.clientSecret,
    },
  });
  try {
    const watch = watchArrivals(sandboxes.b);
    pool.reset();
    const loadBefore = os.loadavg()[0];
    const startedAt = Date.now();
    const acks = await paced(service.url, pool, { rate, duration });
    const allArrived = await c.waitApplied(sandboxes.b, events, drainLimit);
    await new Promise((resolve) => setTimeout(resolve, 600));
    await watch.stop();
    const latencies = [...watch.arrivals].map(([i, at]) => at - (startedAt + (i * 1000) / rate)).sort((x, y) => x - y);
    const [a, b] = await Promise.all([sandboxes.a.stats(), sandboxes.b.stats()]);
    return {
      case: name,
      load1: c.round((loadBefore + os.loadavg()[0]) / 2, 1),
      accepted: acks.statusCodes['202'] ?? 0,
      ackP99Ms: acks.latencyMs.p99,
      bP99Ms: c.round(c.pct(latencies, 99), 1),
      bP50Ms: c.round(c.pct(latencies, 50), 1),
      bMeasured: latencies.length,
      bApplied: b.applied,
      bAllArrived: allArrived,
      aRequests: a.requests,
      aApplied: a.applied,
    };
  } finally {
    await service.stop();
    await Promise.all([sandboxes.a.stop(), sandboxes.b.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

c.runMain(async () => {
  c.requireBuild();
  const pool = new c.BodyPool(events);
  const results = [];
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? ['healthy', 'a-503', 'a-hang'] : ['a-hang', 'a-503', 'healthy'];
    for (const name of order) {
      const result = { round, ...(await runCase(name, pool)) };
      c.log(JSON.stringify(result));
      results.push(result);
    }
  }
  const ratios = [];
  for (let round = 1; round <= rounds; round++) {
    const healthy = results.find((r) => r.round === round && r.case === 'healthy');
    for (const r of results.filter((x) => x.round === round && x.case !== 'healthy')) {
      ratios.push({
        round,
        case: r.case,
        bP99Ratio: c.round(r.bP99Ms / healthy.bP99Ms, 2),
        ackP99Ratio: c.round(r.ackP99Ms / healthy.ackP99Ms, 2),
      });
    }
  }
  const columns = (rows) => Object.fromEntries(Object.keys(rows[0]).map((key) => [key, key]));
  console.log(c.table(results, columns(results)));
  console.log(c.table(ratios, columns(ratios)));
  if (args.json) c.writeJson(args.json, { machine: c.machine(), rate, duration, rounds, results, ratios });
});
