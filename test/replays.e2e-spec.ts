import request from 'supertest';
import { waitForState } from './support/admin-api';
import { Driver, driverEnv, describeEachDriver } from './support/drivers';
import { sandboxedApp } from './support/test-app';
import { contactDialog, DIALOG_ROUTE, postSigned, unique } from './support/webhook-cases';

/**
 * Captured requests sent again, through real signed HTTP into the real app on each driver:
 * a duplicate answer always names an event that exists (SPEC 4.5: deleting a dead letter forgets
 * its id and body).
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
