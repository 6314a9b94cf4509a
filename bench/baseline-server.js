'use strict';
/**
 * The ack-path baseline: a bare node:http server that does only what any webhook
 * receiver must, on the same signed payloads as the service: read the raw body, check the hex
 * HMAC-SHA256 of it (X-Cognigy-Signature, constant-time), JSON.parse it, answer 202.
 * No validation, no store, no logging. Started by bench/ack.js as a child process.
 *   BENCH_PORT=3999 BENCH_SECRET=s node bench/baseline-server.js
 */
const http = require('node:http');
const { createHmac, timingSafeEqual } = require('node:crypto');

const secret = process.env.BENCH_SECRET;
const port = Number(process.env.BENCH_PORT);
if (!secret || !Number.isInteger(port)) {
  process.stderr.write('BENCH_SECRET and BENCH_PORT are required\n');
  process.exit(2);
}

function answer(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health/ready') return answer(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/webhooks/cognigy/dialog-complete') return answer(res, 404, {});
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const expected = createHmac('sha256', secret).update(raw).digest();
    const given = Buffer.from(String(req.headers['x-cognigy-signature'] ?? ''), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return answer(res, 401, { statusCode: 401, message: 'Unauthorized' });
    }
    let event;
    try {
      event = JSON.parse(raw.toString('utf8'));
    } catch {
      return answer(res, 400, { message: 'invalid JSON' });
    }
    answer(res, 202, { status: 'accepted', eventId: String(event.conversationId) });
  });
});

server.listen(port, '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
