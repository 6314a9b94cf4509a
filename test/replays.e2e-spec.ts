import request from 'supertest';
import { waitForState } from './support/admin-api';
import { Driver, driverEnv, describeEachDriver } from './support/drivers';
import { sandboxedApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, DIALOG_ROUTE, postSigned, unique } from './support/webhook-cases';

/**
 * Captured requests sent again, through real signed HTTP into the real app on each driver:
 * a duplicate answer always names an event that exists (SPEC 4.5: deleting a dead letter forgets
 * its id and body); a replay after the dedup window never rolls its record back (it is stale while
 * the record's newest delivered event time is kept, and refused at receipt once older than that
 * window: SPEC 3.4 "Event time").
 */

const SECRET = 'replays-secret';
const ADMIN = 'replays-admin';

describeEachDriver('replays (%s driver)', (driver: Driver) => {
  const { sandbox, app } = sandboxedApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, ADMIN_TOKEN: ADMIN, ...driverEnv(driver) });
  const admin = (method: 'get' | 'delete', path: string) =>
    request(app().server)[method](path).set('authorization', `Bearer ${ADMIN}`);

  it('a dead letter deleted by an operator is forgotten: its bytes sent again are a new event, never a duplicate of it', async () => {
    sandbox.inject({ status: 400, count: 1, body: { error: 'invalid_field', message: 'rejected' } });
    const raw = JSON.stringify(contactDialog(unique('C-deleted')));
    const first = await postSigned(app(), SECRET, DIALOG_ROUTE, raw);
    expect(first.status).toBe(202);
    const { eventId } = first.body as { eventId: string };
    await waitForState(app(), ADMIN, [eventId], 'dead');
    // While it exists, the same bytes name it.
    expect((await postSigned(app(), SECRET, DIALOG_ROUTE, raw)).body).toEqual({ status: 'duplicate', eventId });

    expect((await admin('delete', `/admin/dead-letters/${eventId}`)).status).toBe(204);
    expect((await admin('get', `/admin/events/${eventId}`)).status).toBe(404);

    const again = await postSigned(app(), SECRET, DIALOG_ROUTE, raw);
    expect([again.status, again.body]).toEqual([202, { status: 'accepted', eventId }]);
    await waitForState(app(), ADMIN, [eventId], 'delivered');
  });
});

describeEachDriver('a replay after the dedup window (%s driver)', (driver: Driver) => {
  // A 2 s dedup window, as the reproduction; records kept an hour.
  const { sandbox, app } = sandboxedApp({
    COGNIGY_WEBHOOK_SECRETS: SECRET,
    ADMIN_TOKEN: ADMIN,
    DEDUP_TTL_SECONDS: '2',
    RECORD_STATE_TTL_SECONDS: '3600',
    ...driverEnv(driver),
  });
  const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();
  const contact = (customerId: string, status: string, timestamp: string) =>
    JSON.stringify(contactDialog(customerId, { newStatus: { value: status, confidence: 0.9 } }, { timestamp }));
  /** What the CRM holds for the contact now. */
  const crmStatus = (customerId: string) =>
    sandbox.records().contacts?.find((record) => record.external_id === customerId)?.status;

  it('OLD, NEW, then OLD captured and sent again: the replay is stale, the CRM keeps NEW', async () => {
    const customerId = unique('C-rollback');
    const old = contact(customerId, 'silver', ago(120));
    const first = await postSigned(app(), SECRET, DIALOG_ROUTE, old);
    await waitForState(app(), ADMIN, [first.body.eventId], 'delivered');
    const newer = await postSigned(app(), SECRET, DIALOG_ROUTE, contact(customerId, 'gold', ago(60)));
    await waitForState(app(), ADMIN, [newer.body.eventId], 'delivered');
    expect(crmStatus(customerId)).toBe('gold');

    // Past the dedup window, the captured bytes are a new event again...
    const sentAt = Date.now();
    await waitFor(() => Date.now() - sentAt > 2100, { what: 'the 2 s dedup window to pass' });
    const replay = await postSigned(app(), SECRET, DIALOG_ROUTE, old);
    expect(replay.status).toBe(202);
    // ...but the record still knows NEW was delivered: the replay is stale, never sent.
    await waitForState(app(), ADMIN, [replay.body.eventId], 'stale');
    expect(crmStatus(customerId)).toBe('gold');
  });
});

describe('an event older than the record-state window', () => {
  const { app } = sandboxedApp({
    COGNIGY_WEBHOOK_SECRETS: SECRET,
    DEDUP_TTL_SECONDS: '2',
    RECORD_STATE_TTL_SECONDS: '3',
  });

  it('is a 400 naming timestamp: a request captured and sent again once that old is refused', async () => {
    const timestamp = new Date(Date.now() - 1000).toISOString();
    const captured = JSON.stringify(contactDialog(unique('C-late'), {}, { timestamp }));
    expect((await postSigned(app(), SECRET, DIALOG_ROUTE, captured)).status).toBe(202);
    await waitFor(() => Date.now() - Date.parse(timestamp) > 3100, { what: 'the event to be 3 s old' });
    const late = await postSigned(app(), SECRET, DIALOG_ROUTE, captured);
    expect(late.status).toBe(400);
    expect(late.body.message).toEqual([
      'timestamp must not be more than 3 seconds (RECORD_STATE_TTL_SECONDS) before the receipt time',
    ]);
  });
});
