import request from 'supertest';
import { LatencyFigures } from '../src/metrics/latency-window';
import { reached, SECRET, Sent, sendDialog } from './support/metrics-webhooks';
import { sandboxedApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { DIALOG_ROUTE, post, postSigned } from './support/webhook-cases';

/**
 * `GET /metrics/latency`, end to end: signed webhooks into the real app, the real worker
 * delivering to a CRM sandbox over loopback, then the end-to-end and ack figures over HTTP.
 * The Prometheus series of `GET /metrics`: test/metrics-prometheus.e2e-spec.ts.
 */

type LatencyReport = LatencyFigures & { ack: LatencyFigures; status?: string };

const FIGURE_NAMES = [
  'total_requests',
  'mean_latency_ms',
  'p50_latency_ms',
  'p95_latency_ms',
  'p99_latency_ms',
  'sla_compliance_percent',
  'sla_threshold_seconds',
];

async function latency(t: TestApp): Promise<LatencyReport> {
  const res = await request(t.server).get('/metrics/latency');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.body as LatencyReport;
}

describe('GET /metrics/latency', () => {
  describe('end to end and ack over the delivered events', () => {
    const { sandbox, app } = sandboxedApp({ COGNIGY_WEBHOOK_SECRETS: SECRET });
    let t: TestApp;
    const N = 5;
    beforeAll(() => (t = app()));

    it('answers {"status":"no_data"} before any event', async () => {
      expect(await latency(t)).toEqual({ status: 'no_data' });
    });

    it(`reports ${N} delivered webhooks with the documented names, an ack object, end to end ≥ ack`, async () => {
      const sent: Sent[] = [];
      for (let i = 0; i < N; i++) sent.push(await sendDialog(t, `C-LAT-${i}`));
      for (const { eventId } of sent) await reached(t, eventId, 'delivered');
      expect(sandbox.stats().applied).toBe(N);

      const report = await waitFor(
        async () => {
          const r = await latency(t);
          return r.total_requests === N ? r : null;
        },
        { what: `${N} end-to-end samples` },
      );

      expect(Object.keys(report).sort()).toEqual([...FIGURE_NAMES, 'ack'].sort());
      expect(Object.keys(report.ack).sort()).toEqual([...FIGURE_NAMES].sort());
      expect(report.ack.total_requests).toBe(N);
      expect(report.sla_threshold_seconds).toBe(2);
      expect(report.ack.sla_threshold_seconds).toBe(2);
      // Loopback deliveries take milliseconds, far under the 2 s SLA.
      expect(report.sla_compliance_percent).toBe(100);
      expect(report.ack.sla_compliance_percent).toBe(100);
      for (const figures of [report, report.ack]) {
        expect(figures.mean_latency_ms).toBeGreaterThan(0);
        expect(figures.p50_latency_ms).toBeGreaterThan(0);
        expect(figures.p50_latency_ms).toBeLessThanOrEqual(figures.p95_latency_ms);
        expect(figures.p95_latency_ms).toBeLessThanOrEqual(figures.p99_latency_ms);
        expect(figures.mean_latency_ms).toBeLessThanOrEqual(figures.p99_latency_ms);
      }
      // Each event's end-to-end span (receipt → CRM upsert confirmed) contains its ack span
      // (receipt → answer), so every order statistic and the mean are at least the ack's.
      for (const name of ['mean_latency_ms', 'p50_latency_ms', 'p95_latency_ms', 'p99_latency_ms'] as const) {
        expect(report[name]).toBeGreaterThanOrEqual(report.ack[name]);
      }
    });

    it('counts only accepted webhooks in the ack window and only deliveries at the top level', async () => {
      const before = await latency(t);
      // A duplicate (200), a 422 and a 401 are answered but neither accepted nor delivered.
      const { raw } = await sendDialog(t, 'C-LAT-DUP');
      const dup = await postSigned(t, SECRET, DIALOG_ROUTE, raw);
      expect(dup.status).toBe(200);
      await sendDialog(t, 'C-LAT-X', { intent: 'order_pizza' }, 422);
      const unsigned = await post(t, DIALOG_ROUTE, raw, { headers: { 'x-cognigy-signature': 'ff'.repeat(32) } });
      expect(unsigned.status).toBe(401);
      const after = await waitFor(
        async () => {
          const r = await latency(t);
          return r.total_requests === before.total_requests + 1 ? r : null;
        },
        { what: 'the one new delivery' },
      );
      expect(after.ack.total_requests).toBe(before.ack.total_requests + 1);
    });
  });

  describe('a known CRM latency', () => {
    // A window of 2 and a threshold just under the injected delay. The delay is long so that an
    // ack on a busy machine still stays well under it: the ack must not wait for the CRM.
    const { sandbox, app } = sandboxedApp({
      COGNIGY_WEBHOOK_SECRETS: SECRET,
      LATENCY_WINDOW: '2',
      SLA_THRESHOLD_SECONDS: '2.999',
    });
    let t: TestApp;
    const CRM_DELAY_MS = 3000;
    beforeAll(() => (t = app()));

    it('puts a 3 s CRM answer into the end-to-end figures, not into the ack ones', async () => {
      sandbox.inject({ latencyMs: CRM_DELAY_MS, count: 3 });
      const sent: Sent[] = [];
      for (let i = 0; i < 3; i++) sent.push(await sendDialog(t, `C-SLOW-${i}`));
      for (const { eventId } of sent) await reached(t, eventId, 'delivered');
      expect(sandbox.stats().faultsServed).toBe(3);

      const report = await waitFor(
        async () => {
          const r = await latency(t);
          return r.total_requests === 2 ? r : null;
        },
        { what: 'a full window of 2' },
      );
      // LATENCY_WINDOW=2: 3 events delivered and acknowledged, the window keeps 2 of each.
      expect(report.total_requests).toBe(2);
      expect(report.ack.total_requests).toBe(2);
      expect(report.sla_threshold_seconds).toBe(2.999);
      // Every delivery waited ≥ 3 s for the CRM.
      expect(report.p50_latency_ms).toBeGreaterThanOrEqual(CRM_DELAY_MS);
      expect(report.mean_latency_ms).toBeGreaterThanOrEqual(CRM_DELAY_MS);
      expect(report.p99_latency_ms).toBeGreaterThanOrEqual(CRM_DELAY_MS);
      // … so none is within a 2.999 s SLA.
      expect(report.sla_compliance_percent).toBe(0);
      // The answer does not wait for the CRM: the ack figures stay under the delay.
      expect(report.ack.p99_latency_ms).toBeLessThan(CRM_DELAY_MS);
      expect(report.ack.sla_compliance_percent).toBe(100);
    });
  });
});
