import { eventView, waitForState } from './support/admin-api';
import { adminApiApp, expectIso, profileBody } from './support/admin-api-app';
import { ADMIN, call, PROFILE, RIGHT, SECRET, TICKET } from './support/admin-console-app';
import { Driver, describeEachDriver } from './support/drivers';
import { TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { sendAccepted, unique } from './support/webhook-cases';

/**
 * GET /admin/events/:eventId of the operators' API, end to end over real HTTP for each queue
 * driver: a dead letter, an event queued while its CRM request is open and then delivered, each
 * with every field, and an unknown event.
 */

/** An event's operator fields, plus the conversation, the attempt history and the mapped body, and what the CRM said of the record. */
const EVENT_FIELDS = [
  'attemptHistory',
  'attempts',
  'conversationId',
  'created',
  'crmRecordId',
  'deliveredAt',
  'eventId',
  'externalId',
  'intent',
  'lastError',
  'lastStatus',
  'objectType',
  'receivedAt',
  'state',
  'upsert',
];

describeEachDriver('admin API (%s driver)', (driver: Driver) => {
  const { sandbox, app, makeDeadLetters, sentWith } = adminApiApp(driver);
  let t: TestApp;

  beforeAll(() => {
    t = app();
  });

  describe('GET /admin/events/:eventId', () => {
    it('reports a dead letter with every field', async () => {
      const before = Date.now();
      const [id] = await makeDeadLetters([TICKET]);
      const view = await eventView(t, ADMIN, id);
      expect(Object.keys(view).sort()).toEqual(EVENT_FIELDS);
      expect(view).toMatchObject({
        eventId: id,
        state: 'dead',
        intent: TICKET,
        objectType: 'ticket',
        attempts: 1,
        lastStatus: 400,
        deliveredAt: null,
      });
      expect(view.externalId).toMatch(/^T-/);
      expect(view.lastError).toContain('unknown tier');
      expectIso(view.receivedAt);
      expect(Date.parse(view.receivedAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(view.receivedAt)).toBeLessThanOrEqual(Date.now());
    });

    it('reports an event queued while its request is open, then delivered', async () => {
      const before = Date.now();
      sandbox.inject({ latencyMs: 300 });
      const customer = unique('C');
      const id = await sendAccepted(t, SECRET, profileBody(customer));
      await waitFor(() => sentWith(`cognigy-${id}`).length === 1, { what: 'request sent' });

      const queued = await eventView(t, ADMIN, id);
      expect(Object.keys(queued).sort()).toEqual(EVENT_FIELDS);
      expect(queued).toMatchObject({
        eventId: id,
        state: 'queued',
        intent: PROFILE,
        objectType: 'contact',
        externalId: customer,
        attempts: 0,
        lastStatus: null,
        lastError: null,
        deliveredAt: null,
      });
      expectIso(queued.receivedAt);
      expect(Date.parse(queued.receivedAt)).toBeGreaterThanOrEqual(before);

      const [delivered] = await waitForState(t, ADMIN, [id], 'delivered');
      expect(delivered).toMatchObject({ attempts: 1, lastStatus: 200, lastError: null, receivedAt: queued.receivedAt });
      expectIso(delivered.deliveredAt);
      expect(Date.parse(delivered.deliveredAt!)).toBeGreaterThanOrEqual(Date.parse(delivered.receivedAt));
      expect(Date.parse(delivered.deliveredAt!)).toBeLessThanOrEqual(Date.now());
    });

    it('answers 404 for an unknown event', async () => {
      const res = await call(t, 'get', `/admin/events/${unique('unknown')}`, RIGHT);
      expect(res.status).toBe(404);
    });
  });
});
