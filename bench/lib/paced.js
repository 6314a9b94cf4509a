'use strict';
/**
 * An open-loop sender at a steady rate: request i leaves at start + i/rate (checked every
 * millisecond), whether or not earlier ones were answered, over keep-alive connections. Latency is
 * measured from the intended send time, so a stalled server is not hidden (no coordinated
 * omission). autocannon's `overallRate` instead sends each second's quota as fast as it can at the
 * start of the second and then waits: bursts, which a queue behind the webhook feels.
 */
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { WEBHOOK_PATH, pct, round } = require('./common');

function paced(url, pool, { rate, duration, maxSockets = 64, onResponse } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const { hostname, port } = new URL(url);
  const total = Math.floor(rate * duration);
  const latencies = [];
  const statusCodes = {};
  let errors = 0;
  let sent = 0;
  let inFlight = 0;
  let finishedSending = false;
  let settled = false;
  const start = performance.now();

  return new Promise((resolve) => {
    function finish() {
      if (settled) return;
      settled = true;
      agent.destroy();
      latencies.sort((a, b) => a - b);
      const durationS = (performance.now() - start) / 1000;
      resolve({
        durationS: round(durationS, 2),
        requests: sent,
        targetRate: rate,
        reqPerSec: round(sent / duration, 0),
        statusCodes,
        errors,
        latencyMs: {
          mean: round(latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1), 2),
          p50: round(pct(latencies, 50), 1),
          p90: round(pct(latencies, 90), 1),
          p99: round(pct(latencies, 99), 1),
          max: round(latencies[latencies.length - 1], 1),
        },
      });
    }

    function done() {
      inFlight--;
      if (finishedSending && inFlight === 0) finish();
    }

    function send(intendedAt) {
      const item = pool.next();
      inFlight++;
      const req = http.request(
        {
          agent,
          hostname,
          port,
          method: 'POST',
          path: WEBHOOK_PATH,
          headers: {
            'content-type': 'application/json',
            'content-length': item.body.length,
            'x-cognigy-signature': item.signature,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            statusCodes[res.statusCode] = (statusCodes[res.statusCode] ?? 0) + 1;
            latencies.push(performance.now() - intendedAt);
            if (onResponse) onResponse(res.statusCode);
            done();
          });
        },
      );
      req.setTimeout(30000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        done();
      });
      req.end(item.body);
    }

    function tick() {
      const elapsed = performance.now() - start;
      const due = Math.min(total, Math.floor((elapsed / 1000) * rate));
      while (sent < due) {
        send(start + (sent * 1000) / rate);
        sent++;
      }
      if (sent >= total) {
        finishedSending = true;
        if (inFlight === 0) finish();
        return;
      }
      setTimeout(tick, 1);
    }

    tick();
  });
}

module.exports = { paced };
