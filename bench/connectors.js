'use strict';
/**
 * `npm run bench:connectors`: the Salesforce connector with CRM_BATCH_SIZE 1, then 200 with
 * CRM_BATCH_WAIT_MS 20 (the default) and BENCH_BATCH_WAIT_MS (default 200: at 300 events/s a batch
 * needs about 170 ms to gather the 50 events a 50× cut takes, when the service keeps up), each fed a
 * steady 300 webhooks/s for BENCH_SECONDS (default 20) into a Salesforce stand-in answering every
 * request after 50 ms (token endpoint, single upsert, sObject-collection upsert). Reports CRM
 * requests per 1,000 events (token requests apart), delivered events/s, how long the CRM kept
 * receiving after the last webhook (0 when delivery kept up with 300/s), and p50/p99
 * receipt→upsert from the service's own /metrics/latency over every event of the run; then the
 * issue's targets: batching cuts requests per event ≥ 50×, batched p99 < 1 s. The stand-in runs in
 * this process; the service is the built dist/main.js, at CRM_CONCURRENCY BENCH_CRM_CONCURRENCY
 * (default 16, the service's default: with batch 1 at 50 ms that allows at most 320 requests/s).
 *   BENCH_SECONDS=5 npm run bench:connectors     (a short check; the figures want a quiet machine)
 */
const http = require('node:http');
const path = require('node:path');
const os = require('node:os');
const { BodyPool, HOST, getJson, log, machine, startService, table, waitFor, killChildren } = require('./lib/common');
const { paced } = require('./lib/paced');

const RATE = 300;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const LATENCY_MS = 50;
const CONCURRENCY = Number(process.env.BENCH_CRM_CONCURRENCY ?? 16);
const BATCH_WAIT_MS = Number(process.env.BENCH_BATCH_WAIT_MS ?? 200);
const MAPPINGS = path.join(__dirname, '..', 'mappings', 'salesforce.example.json');

/** A Salesforce stand-in: every answer after LATENCY_MS; counts requests and applied records. */
function startSalesforce() {
  const stats = { requests: 0, tokenRequests: 0, applied: 0, firstAt: 0, lastAt: 0 };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (req.url === '/services/oauth2/token') {
        stats.tokenRequests++;
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ access_token: 'bench', instance_url: url, token_type: 'Bearer', issued_at: String(Date.now()) }));
      }
      stats.requests++;
      setTimeout(() => {
        const body = JSON.parse(raw);
        const now = Date.now();
        stats.firstAt ||= now;
        stats.lastAt = now;
        res.writeHead(req.url.includes('/composite/') ? 200 : 201, { 'content-type': 'application/json' });
        if (req.url.includes('/composite/')) {
          stats.applied += body.records.length;
          return res.end(JSON.stringify(body.records.map((_, i) => ({ id: `003${i}`, success: true, created: true, errors: [] }))));
        }
        stats.applied++;
        res.end(JSON.stringify({ id: '003x', success: true, created: true, errors: [] }));
      }, LATENCY_MS);
    });
  });
  let url = '';
  return new Promise((resolve) =>
    server.listen(0, HOST, () => {
      url = `http://${HOST}:${server.address().port}`;
      resolve({ url, stats, stop: () => new Promise((done) => server.close(done)) });
    }),
  );
}

async function run(batchSize, batchWaitMs = 20) {
  const sf = await startSalesforce();
  const service = await startService({
    label: `salesforce-batch-${batchSize}-wait-${batchWaitMs}`,
    env: {
      CRM_CONNECTOR: 'salesforce',
      CRM_TOKEN_URL: `${sf.url}/services/oauth2/token`,
      CRM_CLIENT_ID: 'bench',
      CRM_CLIENT_SECRET: 'bench',
      MAPPINGS_FILE: MAPPINGS,
      CRM_BATCH_SIZE: String(batchSize),
      CRM_BATCH_WAIT_MS: String(batchWaitMs),
      CRM_CONCURRENCY: String(CONCURRENCY),
      DELIVERY_ENABLED: 'true',
      LATENCY_WINDOW: String(RATE * SECONDS),
    },
  });
  try {
    const loadavgAtStart = Math.round(os.loadavg()[0] * 10) / 10;
    const pool = new BodyPool(RATE * SECONDS);
    const sent = await paced(`${service.url}`, pool, { rate: RATE, duration: SECONDS });
    const sendingEndedAt = Date.now();
    const accepted = sent.statusCodes[202] ?? 0;
    await waitFor('every accepted event applied', async () => sf.stats.applied >= accepted, { timeoutMs: 120000 });
    const latency = await getJson(`${service.url}/metrics/latency`);
    const spanS = (sf.stats.lastAt - sf.stats.firstAt) / 1000 || 1;
    return {
      batchSize,
      batchWaitMs,
      loadavgAtStart,
      offeredPerSecond: Math.round(sent.requests / sent.durationS),
      accepted,
      crmRequests: sf.stats.requests,
      tokenRequests: sf.stats.tokenRequests,
      requestsPer1000Events: Math.round((sf.stats.requests / accepted) * 1000 * 10) / 10,
      deliveredPerSecond: Math.round(sf.stats.applied / spanS),
      crmBusyAfterLastWebhookS: Math.max(0, Math.round((sf.stats.lastAt - sendingEndedAt) / 100) / 10),
      p99ReceiptToUpsertMs: latency.p99_latency_ms,
      p50ReceiptToUpsertMs: latency.p50_latency_ms,
      ackP99Ms: sent.latencyMs.p99,
    };
  } finally {
    await service.stop();
    await sf.stop();
  }
}

async function main() {
  log(`bench:connectors: Salesforce stand-in at ${LATENCY_MS} ms, ${RATE} webhooks/s for ${SECONDS} s, batch 1 vs 200, CRM_CONCURRENCY ${CONCURRENCY}`);
  log(JSON.stringify(machine()));
  const single = await run(1);
  log(JSON.stringify(single));
  const batched = [];
  for (const wait of [20, BATCH_WAIT_MS]) {
    batched.push(await run(200, wait));
    log(JSON.stringify(batched[batched.length - 1]));
  }
  const ms = (v) => `${(v / 1000).toFixed(2)} s`;
  const rows = [single, ...batched].map((r) => ({
    ...r,
    latency: `${ms(r.p50ReceiptToUpsertMs)} / ${ms(r.p99ReceiptToUpsertMs)}`,
    ack: ms(r.ackP99Ms),
  }));
  log(
    '\n' +
      table(rows, {
        batchSize: 'batch',
        batchWaitMs: 'wait ms',
        offeredPerSecond: 'webhooks/s sent',
        requestsPer1000Events: 'CRM requests / 1,000 events',
        deliveredPerSecond: 'delivered events/s',
        crmBusyAfterLastWebhookS: 'CRM busy after last webhook (s)',
        latency: 'p50 / p99 receipt→upsert',
        ack: 'ack p99',
        loadavgAtStart: 'load avg',
      }),
  );
  const verdict = (ok) => (ok ? 'met' : 'NOT met');
  for (const run of batched) {
    const cut = Math.round((single.requestsPer1000Events / run.requestsPer1000Events) * 10) / 10;
    log(
      `batch 200, wait ${run.batchWaitMs} ms: requests per event cut ${cut}x (target >= 50x): ${verdict(cut >= 50)}; ` +
        `p99 receipt->upsert ${run.p99ReceiptToUpsertMs} ms (target < 1000 ms): ${verdict(run.p99ReceiptToUpsertMs < 1000)}`,
    );
  }
  if (os.loadavg()[0] > os.cpus().length) log(`load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores: the machine was busy, latencies are the machine's`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    killChildren();
    process.exit(1);
  },
);
