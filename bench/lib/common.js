'use strict';
/**
 * Shared plumbing of the benchmarks: child processes that never outlive the benchmark, the built
 * service and the sandbox CRM as children, signed webhook bodies, autocannon runs, CPU accounting
 * and a few probes of the machine. Plain CommonJS: runs on the built service (dist/), no ts-node.
 */
const { spawn, execFileSync } = require('node:child_process');
const { createHmac, randomUUID } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const autocannon = require('autocannon');

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.resolve(process.env.BENCH_DIST || path.join(ROOT, 'dist'));
const HOST = '127.0.0.1';
const SECRET = `bench-secret-${randomUUID()}`;
const WEBHOOK_PATH = '/webhooks/cognigy/dialog-complete';
const WATCH_PARENT = path.join(__dirname, 'watch-parent.js');

// ---------------------------------------------------------------------------------------------
// Children: tracked, killed on every way out (normal exit, error, signal, overall time limit).

const children = new Set();

/** A child process started elsewhere (e.g. a redis-server), killed on every way out like the others. */
function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function killChildren() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
}

process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping children\n`);
    killChildren();
    process.exit(130);
  });
}
process.on('uncaughtException', (error) => fail(error));
process.on('unhandledRejection', (error) => fail(error));

function fail(error) {
  process.stderr.write(`bench failed: ${error && error.stack ? error.stack : error}\n`);
  killChildren();
  process.exit(1);
}

/** Every benchmark is bounded in time: past this, children are killed and the process exits 1. */
function timeLimit(seconds) {
  setTimeout(() => {
    process.stderr.write(`bench: time limit of ${seconds} s reached, stopping\n`);
    killChildren();
    process.exit(1);
  }, seconds * 1000).unref();
}

function requireBuild(dist = DIST) {
  for (const file of ['main.js', 'dev/sandbox/sandbox-main.js']) {
    if (!fs.existsSync(path.join(dist, file))) {
      throw new Error(`${path.join(dist, file)} is missing: run \`npm run build\` first`);
    }
  }
}

/**
 * A node child with the parent watchdog preloaded; stderr (and stdout, unless pipeStdout) go
 * straight to logFile, so the benchmark process spends no CPU relaying the child's logs.
 */
function spawnNode(args, { env, cwd, logFile, nodeArgs = [], pipeStdout = false }) {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--require', WATCH_PARENT, ...nodeArgs, ...args], {
    cwd,
    env: { ...env, BENCH_PARENT_PID: String(process.pid) },
    stdio: ['ignore', pipeStdout ? 'pipe' : log, log],
  });
  fs.closeSync(log);
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.logFile = logFile;
  return child;
}

/** SIGTERM (graceful: the service exits 0 after its shutdown phases), SIGKILL after graceMs. */
function stopChild(child, graceMs = 8000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what, check, { timeoutMs = 30000, child } = {}) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`${what}: the process exited (${child.exitCode ?? child.signalCode})\n${tail(child.logFile)}`);
    }
    try {
      if (await check()) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) {
      throw new Error(`${what}: not ready within ${timeoutMs} ms${child ? `\n${tail(child.logFile)}` : ''}`);
    }
    await sleep(100);
  }
}

async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(10000) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return res.json();
}

async function getText(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(10000) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return res.text();
}

function makeTempDir(label) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `ccs-bench-${label}-`));
}

// ---------------------------------------------------------------------------------------------
// The service, the sandbox CRM and the bare node:http baseline, each a child process on 127.0.0.1.

/**
 * `node dist/main.js` with a fresh DATA_DIR (SQLite file in a new temp directory), HMAC auth with
 * the benchmark's secret, LOG_LEVEL=warn, delivery off unless `crm` (a started sandbox) is given.
 * A clean environment: nothing of the caller's CRM_* or .env leaks in (cwd is the temp directory).
 * `dist`: another build's dist/ (bench/builds.js compares builds in one run).
 */
async function startService({ env = {}, crm, label = 'service', dist = DIST, profileDir, dataDir = makeTempDir(label), keepData = false, readyTimeoutMs = 30000 } = {}) {
  const port = await freePort();
  const crmEnv = crm
    ? {
        CRM_BASE_URL: crm.url,
        CRM_AUTH: 'client_credentials',
        CRM_TOKEN_URL: crm.tokenUrl,
        CRM_CLIENT_ID: crm.clientId,
        CRM_CLIENT_SECRET: crm.clientSecret,
        DELIVERY_ENABLED: 'true',
      }
    : // Delivery off: a CRM URL nothing listens on, so no built-in sandbox starts either.
      { CRM_BASE_URL: 'http://127.0.0.1:9', CRM_AUTH: 'static', CRM_ACCESS_TOKEN: 'unused', DELIVERY_ENABLED: 'false' };
  const fullEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    HOST,
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    WEBHOOK_AUTH_MODES: 'hmac',
    COGNIGY_WEBHOOK_SECRETS: SECRET,
    SHUTDOWN_GRACE_MS: '2000',
    ...crmEnv,
    ...env,
  };
  const nodeArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = spawnNode([path.join(dist, 'main.js')], {
    env: fullEnv,
    cwd: dataDir,
    logFile: path.join(dataDir, 'service.log'),
    nodeArgs,
  });
  const url = `http://${HOST}:${port}`;
  await waitFor('service', async () => (await fetch(`${url}/health/ready`)).status === 200, { child, timeoutMs: readyTimeoutMs });
  const shown = Object.fromEntries(
    Object.entries(fullEnv).filter(([key]) => !/SECRET|TOKEN|PATH|HOME/.test(key)),
  );
  return {
    url,
    pid: child.pid,
    child,
    dataDir,
    env: shown,
    async stop() {
      await stopChild(child);
      if (!keepData && !process.env.BENCH_KEEP_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `node dist/dev/sandbox/sandbox-main.js 0`, every upsert answered after latencyMs. */
async function startSandbox({ latencyMs = 20, fault, dist = DIST } = {}) {
  const dir = makeTempDir('sandbox');
  const child = spawnNode([path.join(dist, 'dev', 'sandbox', 'sandbox-main.js'), '0'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    cwd: dir,
    logFile: path.join(dir, 'sandbox.log'),
    pipeStdout: true,
  });
  const info = await new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`sandbox did not start\n${tail(child.logFile)}`)), 30000);
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(buffered.slice(0, newline)));
      }
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited (${code})\n${tail(child.logFile)}`)));
  });
  child.stdout.resume();
  if (latencyMs > 0) {
    const res = await fetch(`${info.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ latencyMs, count: -1 }),
    });
    if (res.status !== 201) throw new Error(`sandbox latency injection: ${res.status} ${await res.text()}`);
  }
  if (fault) {
    // Every upsert answered with fault.status, or left hanging (fault.hang), for as long as it runs.
    const res = await fetch(`${info.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...fault, count: -1 }),
    });
    if (res.status !== 201) throw new Error(`sandbox fault injection: ${res.status} ${await res.text()}`);
  }
  return {
    ...info,
    latencyMs,
    pid: child.pid,
    child,
    stats: () => getJson(`${info.url}/_sandbox/stats`),
    async stop() {
      await stopChild(child, 3000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the sandbox CRM has applied `expected` upserts; false (and a warning) after limitS. */
async function waitApplied(sandbox, expected, limitS = 120) {
  const until = Date.now() + limitS * 1000;
  for (;;) {
    const { applied } = await sandbox.stats();
    if (applied >= expected) return true;
    if (Date.now() > until) {
      log(`WARNING: ${expected - applied} events still undelivered after ${limitS} s`);
      return false;
    }
    await sleep(50);
  }
}

const PEERS = {
  // bench/baseline-server.js: node:http doing only HMAC check, JSON parse and 202 (the physical limit).
  baseline: 'baseline-server.js',
  // bench/ceiling-server.js: minimal Nest on Express, HMAC in a guard, 202 (the framework ceiling).
  ceiling: 'ceiling-server.js',
};

/** One of the peers the service is compared with, as a child process on 127.0.0.1. */
async function startPeer(kind) {
  const dir = makeTempDir(kind);
  const port = await freePort();
  const child = spawnNode([path.join(__dirname, '..', PEERS[kind])], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, BENCH_PORT: String(port), BENCH_SECRET: SECRET },
    cwd: ROOT,
    logFile: path.join(dir, `${kind}.log`),
  });
  const url = `http://${HOST}:${port}`;
  await waitFor(kind, async () => (await fetch(`${url}/health/ready`)).status === 200, { child });
  return {
    url,
    pid: child.pid,
    child,
    async stop() {
      await stopChild(child, 3000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const startBaseline = () => startPeer('baseline');

// ---------------------------------------------------------------------------------------------
// Signed bodies: precomputed, each a distinct event (own conversation id hence own event id, and
// own customer id hence own CRM record, so neither dedup nor per-record order holds anything up).

function makeBody(run, i, timestamp) {
  return JSON.stringify({
    conversationId: `bench-${run}-${i}`,
    botId: 'bot-bench',
    status: 'completed',
    intent: 'update_customer_profile',
    entities: {
      customerId: { value: `C-${run}-${i}`, confidence: 0.98 },
      newStatus: { value: 'gold', confidence: 0.91 },
      notes: { value: 'benchmark event', confidence: 0.9 },
    },
    timestamp,
    metadata: { channel: 'voice' },
  });
}

const sign = (body) => createHmac('sha256', SECRET).update(body).digest('hex');

/**
 * A pool of `size` distinct signed bodies handed out in turn. `reset()` starts again from the
 * first (a fresh service has an empty store, so the same sequence is new to it). If a run needs
 * more than `size`, the pool wraps around and `wrapped` counts it: the service would then answer
 * 200 duplicate instead of 202, which the reports show.
 */
class BodyPool {
  constructor(size) {
    const run = randomUUID().slice(0, 8);
    const timestamp = new Date().toISOString();
    const started = performance.now();
    this.items = new Array(size);
    for (let i = 0; i < size; i++) {
      const body = makeBody(run, i, timestamp);
      this.items[i] = { body: Buffer.from(body), signature: sign(body) };
    }
    this.buildMs = Math.round(performance.now() - started);
    this.index = 0;
    this.wrapped = 0;
  }

  next() {
    if (this.index === this.items.length) {
      this.index = 0;
      this.wrapped++;
    }
    return this.items[this.index++];
  }

  reset() {
    this.index = 0;
    this.wrapped = 0;
  }
}

/** autocannon `requests`: every request takes the next body of the pool and its signature. */
function webhookRequests(pool) {
  return [
    {
      method: 'POST',
      path: WEBHOOK_PATH,
      setupRequest(req) {
        const item = pool.next();
        req.body = item.body;
        req.headers['x-cognigy-signature'] = item.signature;
        return req;
      },
    },
  ];
}

/** One autocannon run of signed webhooks (for `duration` s, or `amount` requests); resolves to autocannon's result. */
function fire(url, pool, { connections = 50, duration = 10, amount, overallRate, onResponse } = {}) {
  const options = {
    url,
    connections,
    ...(amount ? { amount } : { duration }),
    timeout: 30,
    headers: { 'content-type': 'application/json' },
    requests: webhookRequests(pool),
  };
  if (overallRate) options.overallRate = overallRate;
  const instance = autocannon(options);
  if (onResponse) instance.on('response', (_client, statusCode) => onResponse(statusCode));
  return instance;
}

/** The figures of an autocannon result that the reports use. */
function summarise(result) {
  const codes = Object.fromEntries(
    Object.entries(result.statusCodeStats || {}).map(([code, { count }]) => [code, count]),
  );
  const accepted = codes['202'] || 0;
  return {
    durationS: result.duration,
    requests: result.requests.total,
    reqPerSec: round(result.requests.total / result.duration, 0),
    acceptedPerSec: round(accepted / result.duration, 0),
    statusCodes: codes,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: {
      mean: round(result.latency.mean, 2),
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// CPU accounting: how much each of our processes used, and how much the rest of the machine did
// (other work on a shared VM distorts the figures; the reports show it).

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

function procCpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime
  } catch {
    return NaN;
  }
}

/** CPU seconds of each thread of `pid`, by thread id (the main thread's id is the pid). */
function threadCpuSeconds(pid) {
  const threads = new Map();
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) threads.set(Number(tid), procCpuSeconds(`${pid}/task/${tid}`));
  } catch {
    /* the process has ended */
  }
  return threads;
}

/**
 * Where a process spent its CPU between two threadCpuSeconds readings: its main thread, its busiest
 * other thread (in the service, the SQLite store thread while it drains) and all the others (GC
 * helpers, libuv's pool). Every thread of a Node process is named `node`, hence by id and by rank.
 */
function threadSplit(pid, before, after) {
  const used = [...after].map(([tid, s]) => ({ tid, s: s - (before.get(tid) ?? 0) }));
  const main = used.find(({ tid }) => tid === pid)?.s ?? NaN;
  const others = used.filter(({ tid }) => tid !== pid).sort((a, b) => b.s - a.s);
  const rest = others.slice(1).reduce((sum, { s }) => sum + s, 0);
  return { main: round(main, 2), busiestOther: round(others[0]?.s ?? 0, 2), rest: round(rest, 2) };
}

function machineCpuSeconds() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return { busy: (user + nice + system + irq + softirq + steal) / CLK_TCK, iowait: iowait / CLK_TCK, idle: idle / CLK_TCK };
}

/** start() then stop(): CPU seconds per named pid, machine busy cores, and "foreign" cores. */
function cpuMeter(pids) {
  let t0;
  let machine0;
  let own0;
  const self0 = {};
  const threads0 = {};
  return {
    start() {
      t0 = performance.now();
      machine0 = machineCpuSeconds();
      own0 = process.cpuUsage();
      for (const [name, pid] of Object.entries(pids)) {
        self0[name] = procCpuSeconds(pid);
        threads0[name] = threadCpuSeconds(pid);
      }
    },
    stop() {
      const wall = (performance.now() - t0) / 1000;
      const machine1 = machineCpuSeconds();
      const own = process.cpuUsage(own0);
      const perProcess = { loadGenerator: (own.user + own.system) / 1e6 };
      for (const [name, pid] of Object.entries(pids)) perProcess[name] = procCpuSeconds(pid) - self0[name];
      const ours = Object.values(perProcess).reduce((a, b) => a + (Number.isNaN(b) ? 0 : b), 0);
      const busy = machine1.busy - machine0.busy;
      return {
        wallS: round(wall, 2),
        coresUsed: Object.fromEntries(Object.entries(perProcess).map(([k, v]) => [k, round(v / wall, 2)])),
        cpuSeconds: Object.fromEntries(Object.entries(perProcess).map(([k, v]) => [k, round(v, 2)])),
        machineBusyCores: round(busy / wall, 2),
        foreignCores: round(Math.max(0, busy - ours) / wall, 2),
        iowaitCores: round((machine1.iowait - machine0.iowait) / wall, 2),
        threadSeconds: Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, threadSplit(pid, threads0[k], threadCpuSeconds(pid))])),
      };
    },
  };
}

/**
 * Waits (at most maxWaitS) until the rest of the machine uses less than `threshold` cores over a
 * 2 s window, so a measurement does not start while other work (a build, a test run) competes for
 * the CPUs. `pids` are ours and do not count. Returns the last foreign load seen and the wait.
 */
async function waitQuiet({ maxWaitS = 60, threshold = 0.25, pids = {} } = {}) {
  const started = Date.now();
  for (;;) {
    const meter = cpuMeter(pids);
    meter.start();
    await sleep(2000);
    const { foreignCores } = meter.stop();
    const waitedS = Math.round((Date.now() - started) / 1000);
    if (foreignCores <= threshold) return { foreignCores, waitedS, quiet: true };
    if (waitedS >= maxWaitS) {
      log(`WARNING: other processes still use ${foreignCores} cores after ${waitedS} s: measuring anyway`);
      return { foreignCores, waitedS, quiet: false };
    }
  }
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Runs a measurement up to 1 + retries times while other processes used more than maxForeign
 * cores during it (as `foreign(result)` reports), and keeps the least disturbed attempt
 * (`discard` cleans up after the others).
 */
async function leastDisturbed(run, foreign, { retries = 2, maxForeign = 0.35, label = '', discard = () => {} } = {}) {
  let best;
  let made = 0;
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    const result = await run();
    made = attempt;
    result.attempt = attempt;
    if (!best || foreign(result) < foreign(best)) {
      if (best) discard(best);
      best = result;
    } else {
      discard(result);
    }
    if (foreign(result) <= maxForeign) break;
    if (attempt <= retries) log(`${label}: other processes used ${foreign(result)} cores during the measurement: again`);
  }
  best.attemptsMade = made;
  return best;
}

// ---------------------------------------------------------------------------------------------
// Machine facts and probes.

function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = (/^model name\s*:\s*(.+)$/m.exec(cpuinfo) || [])[1] || os.cpus()[0]?.model || 'unknown';
  let nproc = os.cpus().length;
  try {
    nproc = Number(execFileSync('nproc').toString().trim());
  } catch {
    /* os.cpus() it is */
  }
  return {
    date: new Date().toISOString(),
    nproc,
    cpuModel: model.trim(),
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    kernel: os.release(),
    loadavg: os.loadavg().map((l) => round(l, 2)),
  };
}

/** fdatasync latency of 4 KiB appends in the temp directory (where DATA_DIR goes). */
function fsyncProbe(count = 200) {
  const dir = makeTempDir('fsync');
  const file = path.join(dir, 'probe');
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(4096, 1);
  const times = [];
  try {
    for (let i = 0; i < count; i++) {
      fs.writeSync(fd, block);
      const started = performance.now();
      fs.fdatasyncSync(fd);
      times.push(performance.now() - started);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  return { count, medianMs: round(pct(times, 50), 3), p99Ms: round(pct(times, 99), 3) };
}

/** The kernel's peak resident set size of a process (VmHWM), in MiB. */
function peakRssMiB(pid) {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb ? round(Number(kb[1]) / 1024, 1) : NaN;
  } catch {
    return NaN;
  }
}

/** Values of one Prometheus series (all label sets summed) from /metrics text. */
function promValue(text, name) {
  let sum = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match && match[1] === name) sum = (sum ?? 0) + Number(match[3]);
  }
  return sum;
}

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The median of a list of numbers. */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A bootstrap interval of the median (percentile method): `level` of the medians of `resamples`
 * resamples with replacement fall inside it. Seeded, so one run's figures always give one interval.
 */
function medianInterval(values, { level = 0.9, resamples = 10000, seed = 1 } = {}) {
  let state = seed >>> 0;
  const random = () => {
    // mulberry32: a small seeded generator, enough to draw resamples.
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const medians = Array.from({ length: resamples }, () => median(values.map(() => values[Math.floor(random() * values.length)])));
  medians.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return [medians[Math.floor(tail * resamples)], medians[Math.min(resamples - 1, Math.floor((1 - tail) * resamples))]];
}

/** "median (min–max)" of a list of numbers, rounded to `digits`. */
function spread(values, digits) {
  return `${round(median(values), digits)} (${round(Math.min(...values), digits)}–${round(Math.max(...values), digits)})`;
}

function round(value, digits) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A markdown table from rows of objects (the keys of `columns` in order, their values as headers). */
function table(rows, columns) {
  const keys = Object.keys(columns);
  const lines = [`| ${keys.map((k) => columns[k]).join(' | ')} |`, `|${keys.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${keys.map((k) => (row[k] === undefined ? '' : String(row[k]))).join(' | ')} |`);
  return lines.join('\n');
}

function writeJson(file, data) {
  if (!file) return;
  fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  process.stderr.write(`results written to ${file}\n`);
}

/** Deletes the keys a service wrote under its own prefix (the benchmarks share the developer's Redis). */
async function deleteRedisKeys(url, prefix) {
  const IORedis = require('ioredis');
  const client = new IORedis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** `--help`: the script's header comment. */
function printHelpIf(help, file) {
  if (!help) return;
  process.stdout.write(fs.readFileSync(file, 'utf8').split('*/')[0]);
  process.exit(0);
}

/** Runs a benchmark's main(): exit 0 when done, 1 (children killed) on any error. */
function runMain(main) {
  main().then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`bench failed: ${error.stack || error}\n`);
      killChildren();
      process.exit(1);
    },
  );
}

function log(message) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

module.exports = {
  median,
  medianInterval,
  spread,
  ROOT,
  DIST,
  HOST,
  SECRET,
  WEBHOOK_PATH,
  BodyPool,
  cpuMeter,
  deleteRedisKeys,
  fire,
  freePort,
  fsyncProbe,
  getJson,
  getText,
  killChildren,
  leastDisturbed,
  log,
  makeTempDir,
  machine,
  nowUs,
  pct,
  printHelpIf,
  runMain,
  peakRssMiB,
  promValue,
  requireBuild,
  round,
  sign,
  sleep,
  startBaseline,
  startPeer,
  startSandbox,
  startService,
  summarise,
  table,
  timeLimit,
  track,
  waitApplied,
  waitFor,
  waitQuiet,
  writeJson,
};
