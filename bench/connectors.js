'use strict';
/**
 * `npm run bench:connectors`: the Salesforce connector with CRM_BATCH_SIZE 1 and 200, each fed a
 * steady 300 webhooks/s for BENCH_SECONDS (default 20) into a Salesforce stand-in answering every
 * request after 50 ms (token endpoint, single upsert, sObject-collection upsert). Reports CRM
 * requests per 1,000 events, delivered events/s, and p99 receipt→upsert from the service's own
 * /metrics/latency. The stand-in runs in this process; the service is the built dist/main.js.
 */
const http = require('node:http');
const path = require('node:path');
const { BodyPool, HOST, getJson, log, machine, startService, waitFor, killChildren } = require('./lib/common');
const { paced } = require('./lib/paced');

const RATE = 300;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const LATENCY_MS = 50;
const MAPPINGS = path.join(__dirname, '..', 'mappings', 'salesforce.example.json');

/** A Salesforce stand-in: every answer after LATENCY_MS; counts requests and applied records. */
function startSalesforce() {
  const stats = { requests: 0, applied: 0, firstAt: 0, lastAt: 0 };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (req.url === '/services/oauth2/token') {
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

async function run(batchSize) {
  const sf = await startSalesforce();
  const service = await startService({
    label: `salesforce-batch-${batchSize}`,
    env: {
      CRM_CONNECTOR: 'salesforce',
      CRM_TOKEN_URL: `${sf.url}/services/oauth2/token`,
      CRM_CLIENT_ID: 'bench',
      CRM_CLIENT_SECRET: 'bench',
      MAPPINGS_FILE: MAPPINGS,
      CRM_BATCH_SIZE: String(batchSize),
      CRM_BATCH_WAIT_MS: '20',
      DELIVERY_ENABLED: 'true',
      LATENCY_WINDOW: String(RATE * SECONDS),
    },
  });
  try {
    const pool = new BodyPool(RATE * SECONDS);
    const sent = await paced(`${service.url}`, pool, { rate: RATE, duration: SECONDS });
    const accepted = sent.statusCodes[202] ?? 0;
    await waitFor('every accepted event applied', async () => sf.stats.applied >= accepted, { timeoutMs: 120000 });
    const latency = await getJson(`${service.url}/metrics/latency`);
    const spanS = (sf.stats.lastAt - sf.stats.firstAt) / 1000 || 1;
    return {
      batchSize,
      accepted,
      crmRequests: sf.stats.requests,
      requestsPer1000Events: Math.round((sf.stats.requests / accepted) * 1000 * 10) / 10,
      deliveredPerSecond: Math.round(sf.stats.applied / spanS),
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
  log(`bench:connectors: Salesforce stand-in at ${LATENCY_MS} ms, ${RATE} webhooks/s for ${SECONDS} s, batch 1 vs 200`);
  log(JSON.stringify(machine()));
  const single = await run(1);
  log(JSON.stringify(single));
  const batched = await run(200);
  log(JSON.stringify(batched));
  const cut = Math.round((single.requestsPer1000Events / batched.requestsPer1000Events) * 10) / 10;
  log(`requests per event cut ${cut}x by batching (target >= 50x); p99 receipt->upsert batched ${batched.p99ReceiptToUpsertMs} ms (target < 1000 ms)`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    killChildren();
    process.exit(1);
  },
);
