import request from 'supertest';
import { TestApp } from './test-app';
import { waitFor } from './wait-for';

/** An event as GET /admin/events/:eventId shows it. */
export interface EventView {
  eventId: string;
  state: string;
  intent: string;
  objectType: string;
  externalId: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  crmRecordId: string | null;
  created: boolean | null;
  receivedAt: string;
  deliveredAt: string | null;
  conversationId: string;
  attemptHistory: AttemptView[];
  upsert: Record<string, unknown>;
}

/** One CRM request in an event's attempt history. */
export interface AttemptView {
  at: string;
  status: number | null;
  error: string | null;
  durationMs: number;
}

/** GET /admin/events/:eventId with the bearer `adminToken`; expects 200. */
export async function eventView(t: TestApp, adminToken: string, eventId: string): Promise<EventView> {
  const res = await request(t.server).get(`/admin/events/${eventId}`).set('authorization', `Bearer ${adminToken}`);
  expect(res.status).toBe(200);
  return res.body as EventView;
}

/** Waits (up to 10 s) until the admin API shows every one of `eventIds` in `state`; resolves with their views. */
export function waitForState(t: TestApp, adminToken: string, eventIds: string[], state: string): Promise<EventView[]> {
  return waitFor(
    async () => {
      const views = await Promise.all(eventIds.map((id) => eventView(t, adminToken, id)));
      const waiting = views.filter((v) => v.state !== state);
      if (waiting.length === 0) return views;
      // Thrown, not returned: on timeout waitFor reports it, naming where each straggler stands.
      const where = waiting.map((v) => `${v.eventId} ${v.state} after ${v.attempts} attempt(s)`);
      throw new Error(`${waiting.length} not ${state} yet: ${where.join(', ')}`);
    },
    { timeoutMs: 10000, what: `${eventIds.length} event(s) ${state}` },
  );
}
