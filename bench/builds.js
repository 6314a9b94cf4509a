#!/usr/bin/env node
'use strict';
/**
 * Two or more builds compared in one run: the service's CPU per delivery while it drains a stored
 * backlog into a sandbox CRM answering in --crm-latency ms (20), with no webhooks coming in (the
 * "delivery alone" phase of bench/e2e.js, bench/lib/drain.js). Each build stores its own backlog of
 * --backlog events with delivery off (a store written by one release may not open under another);
 * then, in each of --rounds (5) rounds, every build drains a fresh copy of its backlog, one after
 * the other, the order rotated each round so a busy spell of a shared machine hits every build.
 * Every drain uses the sandbox CRM of the first build, so the CRM side is the same.
 *
 * Reported per build: the median (min-max) over the rounds of the service's CPU ms per delivery and
 * delivered/s, the ratio of medians to the first build, the cores other processes used during
 * each drain, and the load average before each round. --profile adds a CPU profile of each drain.
 *
 *   node bench/builds.js --dists /path/to/old/dist,dist [--rounds 5] [--backlog 8000] [--concurrency 16]
 *   npm run bench:builds -- --dists ../baseline/dist,dist --json out.json
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const c = require('./lib/common');
const { drainBacklog, preloadBacklog } = require('./lib/drain');

const { values: args } = parseArgs({
  options: {
    dists: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    backlog: { type: 'string', default: '8000' },
    concurrency: { type: 'string', default: '16' },
    sync: { type: 'string', default: 'full' },
    drain: { type: 'string', default: '8' },
    'crm-latency': { type: 'string', default: '20' },
    connections: { type: 'string', default: '50' },
    'quiet-wait': { type: 'string', default: '20' },
    'quiet-threshold': { type: 'string', default: '0.25' },
    profile: { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
c.printHelpIf(args.help, __filename);
if (!args.dists) throw new Error('--dists DIR,DIR[,...] is required (the builds to compare, the first is the reference)');

const dists = args.dists.split(',').map((d) => path.resolve(d.trim()));
const rounds = Number(args.rounds);
const count = Number(args.backlog);
const quiet = { maxWaitS: Number(args['quiet-wait']), threshold: Number(args['quiet-threshold']) };
const drainS = Number(args.drain);
c.timeLimit(120 + dists.length * (quiet.maxWaitS + 60 + count / 200) + rounds * dists.length * (drainS + 2 * quiet.maxWaitS + 40));

const { median, spread } = c;

/** The build's commit, when dist/ sits in a git checkout. */
function commitOf(dist) {
  try {
    return require('node:child_process').execFileSync('git', ['-C', path.dirname(dist), 'rev-parse', '--short', 'HEAD']).toString().trim();
  } catch {
    return '?';
  }
}

/**
 * Each round's figure over the first build's of the same round: their median, its 90 % bootstrap
 * interval, and the rounds' range. Pairing by round takes out the drift of a shared machine.
 */
function pairedRatio(rows, firstRows) {
  const ratios = rows.map((r, i) => r.serverCpuMsPerDelivery / firstRows[i].serverCpuMsPerDelivery);
  const [low, high] = c.medianInterval(ratios);
  const r3 = (v) => c.round(v, 3);
  return `${r3(median(ratios))} [${r3(low)}–${r3(high)}] (${r3(Math.min(...ratios))}–${r3(Math.max(...ratios))})`;
}

async function main() {
  dists.forEach((dist) => c.requireBuild(dist));
  const machine = c.machine();
  c.log(`machine: ${machine.nproc} x ${machine.cpuModel}, node ${machine.node}, loadavg ${machine.loadavg.join(' ')}`);
  const builds = dists.map((dist, i) => ({ name: `${i}:${commitOf(dist)}`, dist, rows: [] }));
  const pool = new c.BodyPool(count);
  const loads = [];
  try {
    for (const build of builds) {
      build.backlog = await preloadBacklog({ pool, count, connections: Number(args.connections), quiet, dist: build.dist, label: `preload-${build.name.replace(':', '-')}` });
    }
    for (let round = 0; round < rounds; round++) {
      loads.push(os.loadavg().map((l) => c.round(l, 2)).join(' '));
      const order = builds.map((_, i) => builds[(i + round) % builds.length]);
      for (const build of order) {
        const row = await drainBacklog({
          backlog: build.backlog,
          concurrency: Number(args.concurrency),
          sync: args.sync,
          crmLatency: Number(args['crm-latency']),
          drainS,
          quiet,
          profile: args.profile,
          dist: build.dist,
          sandboxDist: builds[0].dist,
          label: `${build.name}-r${round + 1}`,
        });
        if (!Object.keys(row.crmRequestsByCode).some((code) => code.startsWith('2'))) {
          throw new Error(`${build.name}: no 2xx CRM answers while draining: ${JSON.stringify(row.crmRequestsByCode)}`);
        }
        build.rows.push({ round: round + 1, ...row });
      }
    }
  } finally {
    for (const build of builds) if (build.backlog) fs.rmSync(build.backlog.dataDir, { recursive: true, force: true });
  }

  const reference = median(builds[0].rows.map((r) => r.serverCpuMsPerDelivery));
  const command = `node bench/builds.js ${process.argv.slice(2).join(' ')}`.trim();
  console.log(`\n## Builds compared: service CPU per delivery, draining ${count} stored events into a CRM answering in ${args['crm-latency']} ms\n`);
  console.log(`CRM_CONCURRENCY=${args.concurrency}, SQLITE_SYNCHRONOUS=${args.sync}, ${rounds} rounds, median (min–max) over the rounds:\n`);
  console.log(
    c.table(
      builds.map((b) => {
        const cpu = b.rows.map((r) => r.serverCpuMsPerDelivery);
        return {
          name: b.name,
          dist: b.dist,
          cpu: spread(cpu, 3),
          ratio: c.round(median(cpu) / reference, 3),
          paired: pairedRatio(b.rows, builds[0].rows),
          delivered: spread(b.rows.map((r) => r.deliveredPerSec), 0),
          other: spread(b.rows.map((r) => r.cpu.foreignCores), 2),
        };
      }),
      { name: 'build', dist: 'dist', cpu: 'service CPU ms/delivery', ratio: '÷ first', paired: 'per round ÷ first: median [90 % interval] (range)', delivered: 'delivered/s', other: 'other processes, cores' },
    ),
  );
  console.log('\nThe same CPU by thread, ms per delivery, median (min–max) over the rounds (the busiest other thread is the SQLite store thread):\n');
  console.log(
    c.table(
      builds.map((b) => {
        const of = (thread) => b.rows.map((r) => r.serverThreadMsPerDelivery[thread]);
        return { name: b.name, main: spread(of('main'), 3), store: spread(of('busiestOther'), 3), rest: spread(of('rest'), 3) };
      }),
      { name: 'build', main: 'main thread', store: 'busiest other thread', rest: 'other threads' },
    ),
  );
  console.log('\nPer round (in the order run):\n');
  const perRound = builds.flatMap((b) => b.rows.map((r) => ({ ...r, name: b.name }))).sort((a, b) => a.round - b.round);
  console.log(
    c.table(
      perRound.map((r) => ({ ...r, load: loads[r.round - 1], other: r.cpu.foreignCores })),
      { round: 'round', name: 'build', serverCpuMsPerDelivery: 'CPU ms/delivery', deliveredPerSec: 'delivered/s', other: 'other cores', load: 'load average before the round' },
    ),
  );
  for (const b of builds) {
    for (const r of b.rows.filter((row) => row.profile)) {
      console.log(`\n### CPU profile, ${b.name} round ${r.round} (busy ${r.profile.busyMs} ms of ${r.profile.wallMs} ms sampled)\n`);
      console.log(c.table(r.profile.topFunctions, { name: 'function', ms: 'self ms', shareOfBusy: 'share of busy' }));
    }
  }
  console.log(`\nmachine: ${machine.nproc} CPU(s), ${machine.cpuModel}, node ${machine.node}, load average at start ${machine.loadavg.join(' ')}, at end ${os.loadavg().map((l) => c.round(l, 2)).join(' ')}`);
  console.log(`command: ${command}`);
  c.writeJson(args.json, { benchmark: 'builds', command, machine, loads, builds: builds.map(({ backlog, ...b }) => ({ ...b, ackOnly: { ...backlog, dataDir: undefined } })) });
}

c.runMain(main);
