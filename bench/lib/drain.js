'use strict';
/**
 * Delivery alone, shared by bench/e2e.js and bench/builds.js: a backlog stored by a service with
 * delivery off (preloadBacklog), then a copy of that store drained by a service with delivery on into
 * a sandbox CRM, no webhooks coming in (drainBacklog): delivered events/s from the sandbox's `applied`
 * counter and the service's CPU per delivery. `dist` picks the build (default: BENCH_DIST or dist/).
 */
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const c = require('./common');
const { summariseProfile } = require('./profile');

/** Polls the sandbox's applied counter every 250 ms into `samples` until stop(). */
function sampler(sandbox) {
  const samples = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      try {
        const { applied } = await sandbox.stats();
        samples.push({ t: (t + performance.now()) / 2, applied });
      } catch {
        /* a missed sample */
      }
      await c.sleep(250);
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Events/s applied between two moments (ms, performance.now()), from the samples nearest inside. */
function rateBetween(samples, from, to) {
  const inside = samples.filter((s) => s.t >= from && s.t <= to);
  if (inside.length < 2) return NaN;
  const first = inside[0];
  const last = inside[inside.length - 1];
  return (last.applied - first.applied) / ((last.t - first.t) / 1000);
}

async function crmRequestFigures(url) {
  const text = await c.getText(`${url}/metrics`);
  const codes = {};
  for (const line of text.split('\n')) {
    const m = /^crm_requests_total\{([^}]*)\}\s+(\S+)/.exec(line);
    if (m) {
      const code = /code="([^"]*)"/.exec(m[1])?.[1];
      codes[code] = (codes[code] ?? 0) + Number(m[2]);
    }
  }
  const sum = c.promValue(text, 'crm_request_seconds_sum');
  const count = c.promValue(text, 'crm_request_seconds_count');
  return { crmRequestsByCode: codes, crmRequestMeanMs: count ? c.round((sum / count) * 1000, 1) : null };
}

/** A backlog of `count` stored events made by the service with delivery off: a template DATA_DIR. */
async function preloadBacklog({ pool, count, connections, quiet, dist, label = 'preload' }) {
  c.log(`(a) preloading ${count} events (delivery off)${dist ? ` with ${dist}` : ''}`);
  const service = await c.startService({ label, dist, keepData: true, env: { SQLITE_SYNCHRONOUS: 'full' } });
  try {
    const pids = { server: service.pid };
    const quietBefore = await c.waitQuiet({ ...quiet, pids });
    pool.reset();
    const meter = c.cpuMeter(pids);
    meter.start();
    const ack = c.summarise(await c.fire(service.url, pool, { connections, amount: count }));
    const cpu = meter.stop();
    if ((ack.statusCodes['202'] ?? 0) !== count) throw new Error(`preload: ${JSON.stringify(ack.statusCodes)}, expected ${count} x 202`);
    c.log(`(a) preload: ${ack.acceptedPerSec} accepted/s with delivery off (other processes: ${cpu.foreignCores} cores)`);
    return { dataDir: service.dataDir, count, ackOnlyPerSec: ack.acceptedPerSec, ackP99Ms: ack.latencyMs.p99, cpu, quietBefore };
  } finally {
    await service.stop();
  }
}

/**
 * Delivery alone: a copy of the preloaded store, delivery on, no webhooks coming in; delivered
 * events/s over up to drainS seconds while the backlog lasts (the first second, token and warm-up,
 * left out), and the service's CPU per delivery over the same time.
 */
async function drainBacklog({ backlog, concurrency, sync, crmLatency, drainS, quiet, profile = false, dist, sandboxDist, label = `c${concurrency}-${sync}` }) {
  const dataDir = c.makeTempDir(`drain-${label}`);
  for (const file of fs.readdirSync(backlog.dataDir).filter((f) => f.startsWith('events.sqlite'))) {
    fs.copyFileSync(path.join(backlog.dataDir, file), path.join(dataDir, file));
  }
  c.log(`(a) drain ${label}: ${backlog.count} stored events, sandbox (${crmLatency} ms), CRM_CONCURRENCY=${concurrency}, SQLITE_SYNCHRONOUS=${sync}`);
  const sandbox = await c.startSandbox({ latencyMs: crmLatency, dist: sandboxDist });
  const quietBefore = await c.waitQuiet({ ...quiet, pids: { sandbox: sandbox.pid } });
  const profileDir = profile ? c.makeTempDir('prof') : undefined;
  const service = await c.startService({
    crm: sandbox,
    label,
    dist,
    dataDir,
    profileDir,
    env: { CRM_CONCURRENCY: String(concurrency), SQLITE_SYNCHRONOUS: sync },
  });
  let row;
  let window;
  try {
    const sampling = sampler(sandbox);
    const meter = c.cpuMeter({ server: service.pid, sandbox: sandbox.pid });
    const t0 = performance.now();
    await c.sleep(1000);
    const appliedAtStart = (await sandbox.stats()).applied;
    meter.start();
    const from = c.nowUs();
    let lastSaturated = t0;
    while (performance.now() < t0 + (1 + drainS) * 1000) {
      await c.sleep(250);
      const last = sampling.samples[sampling.samples.length - 1];
      if (!last) continue;
      if (backlog.count - last.applied > concurrency) lastSaturated = last.t;
      else break;
    }
    const cpu = meter.stop();
    const appliedWhileMetered = (await sandbox.stats()).applied - appliedAtStart;
    window = { from, to: c.nowUs() };
    await sampling.stop();
    const delivered = rateBetween(sampling.samples, t0 + 1000, lastSaturated);
    const ceiling = (concurrency * 1000) / crmLatency;
    const crm = await crmRequestFigures(service.url);
    // The CPU the service spent while metered over the events the CRM applied meanwhile.
    const cpuMs = (cpu.cpuSeconds.server * 1000) / appliedWhileMetered;
    row = {
      label,
      concurrency,
      sync,
      ceilingPerSec: ceiling,
      deliveredPerSec: c.round(delivered, 0),
      ratioToCeiling: c.round(delivered / ceiling, 3),
      measuredS: c.round((lastSaturated - t0 - 1000) / 1000, 1),
      serverCpuMsPerDelivery: c.round(cpuMs, 3),
      // The same CPU split by thread: main, the busiest other (the SQLite store thread), the rest.
      serverThreadMsPerDelivery: Object.fromEntries(
        Object.entries(cpu.threadSeconds.server).map(([thread, s]) => [thread, c.round((s * 1000) / appliedWhileMetered, 3)]),
      ),
      ...crm,
      cpu,
      quietBefore,
    };
    c.log(`(a) drain ${label}: ${row.deliveredPerSec} delivered/s (ceiling ${ceiling}/s, ratio ${row.ratioToCeiling}); CRM request mean ${crm.crmRequestMeanMs} ms`);
    return row;
  } finally {
    await service.stop();
    await sandbox.stop();
    if (profileDir) {
      const file = fs.readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file && row) row.profile = summariseProfile(path.join(profileDir, file), { window });
      fs.rmSync(profileDir, { recursive: true, force: true });
    }
  }
}

module.exports = { crmRequestFigures, drainBacklog, preloadBacklog, rateBetween, sampler };
