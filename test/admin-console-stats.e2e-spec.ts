import request from 'supertest';
import { eventView, waitForState } from './support/admin-api';
import { adminConsoleApp, ADMIN, call, ISO, RIGHT, SECRET } from './support/admin-console-app';
import { Driver, driverEnv, describeEachDriver } from './support/drivers';
import { sandboxedApp, TestApp } from './support/test-app';
import { contactDialog, sendAccepted, ticketDialog, unique } from './support/webhook-cases';

/**
 * The figures of the admin API the console uses, end to end over real HTTP for each queue driver:
 * the stats (states, activity per minute, oldest queued age, breaker, token, SLA), also with
 * delivery off, and the route names (without ROUTES_FILE, `default` alone).
 */

describeEachDriver('admin API for the console (%s driver)', (driver: Driver) => {
  const { app, get, deadLetter } = adminConsoleApp(driver);
  let t: TestApp;
  beforeAll(() => (t = app()));

  describe('GET /admin/stats', () => {
    it('answers states, 60 minutes of activity, the oldest queued age, breaker, token and the SLA figures', async () => {
      const delivered = await sendAccepted(t, SECRET, contactDialog(unique('C-STATS')));
      await waitForState(t, ADMIN, [delivered], 'delivered');
      const dead = await deadLetter(ticketDialog(unique('T-STATS')));

      const res = await get('/admin/stats');
      expect(res.status).toBe(200);
      const stats = res.body;
      expect(Object.keys(stats).sort()).toEqual([
        'breaker',
        'oldestQueuedAgeSeconds',
        'perMinute',
        'sla',
        'states',
        'token',
      ]);
      expect(Object.keys(stats.states).sort()).toEqual(['dead', 'delivered', 'queued', 'stale']);
      expect(stats.states.dead).toBeGreaterThanOrEqual(1);
      expect(stats.states.delivered).toBeGreaterThanOrEqual(1);

      expect(stats.perMinute).toHaveLength(60);
      const minutes = stats.perMinute.map((m: { minute: string }) => Date.parse(m.minute));
      for (const [i, minute] of minutes.entries()) {
        expect(stats.perMinute[i].minute).toMatch(ISO);
        expect(minute % 60_000).toBe(0);
        if (i > 0) expect(minute - minutes[i - 1]).toBe(60_000);
      }
      expect(minutes[59]).toBeLessThanOrEqual(Date.now());
      expect(minutes[59]).toBeGreaterThan(Date.now() - 120_000);
      const total = (key: 'delivered' | 'deadLettered') =>
        stats.perMinute.reduce((sum: number, m: Record<string, number>) => sum + m[key], 0);
      expect(total('delivered')).toBeGreaterThanOrEqual(1);
      expect(total('deadLettered')).toBeGreaterThanOrEqual(1);

      expect(stats.breaker).toBe('closed');
      expect(stats.token).toMatchObject({ mode: 'client_credentials', cached: true });

      const latency = await request(t.server).get('/metrics/latency');
      expect(Object.keys(stats.sla).sort()).toEqual(Object.keys(latency.body).sort());
      expect(stats.sla.sla_threshold_seconds).toBe(latency.body.sla_threshold_seconds);
      expect(stats.sla.ack).toEqual(expect.objectContaining({ total_requests: expect.any(Number) }));

      expect(await eventView(t, ADMIN, dead)).toMatchObject({ state: 'dead' });
    });
  });

  it('GET /admin/route-names: without ROUTES_FILE the one source and target, both default; no removed target', async () => {
    const res = await get('/admin/route-names');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ routed: false, sources: ['default'], targets: ['default'], removedTargets: [] });
  });

  describe('with delivery off (events stay queued)', () => {
    const queuedApp = sandboxedApp({
      COGNIGY_WEBHOOK_SECRETS: SECRET,
      ADMIN_TOKEN: ADMIN,
      DELIVERY_ENABLED: 'false',
      ...driverEnv(driver),
    });

    it('shows a queued event with an empty history, and the age of the oldest queued event', async () => {
      const q = queuedApp.app();
      const before = Date.now();
      const id = await sendAccepted(q, SECRET, contactDialog(unique('C-NEW')));
      const view = await eventView(q, ADMIN, id);
      expect(view).toMatchObject({ state: 'queued', attempts: 0, attemptHistory: [] });
      expect(view.conversationId).toEqual(expect.any(String));

      const stats = (await call(q, 'get', '/admin/stats', RIGHT)).body;
      expect(stats.states).toEqual({ queued: 1, delivered: 0, dead: 0, stale: 0 });
      expect(stats.oldestQueuedAgeSeconds).toBeGreaterThanOrEqual(0);
      expect(stats.oldestQueuedAgeSeconds).toBeLessThanOrEqual(Math.ceil((Date.now() - before) / 1000));
      expect(
        stats.perMinute.every((m: { delivered: number; deadLettered: number }) => m.delivered + m.deadLettered === 0),
      ).toBe(true);
      expect(stats.sla).toEqual({ status: 'no_data', ack: expect.objectContaining({ total_requests: 1 }) });
    });
  });
});
