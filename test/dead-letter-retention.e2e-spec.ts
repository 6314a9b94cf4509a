import request from 'supertest';
import { waitForState } from './support/admin-api';
import { Driver, driverEnv, describeEachDriver } from './support/drivers';
import { sandboxedApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, sendAccepted, unique } from './support/webhook-cases';

/**
 * DEAD_LETTER_RETENTION_DAYS on the real app and each driver: a dead letter older than the
 * retention is deleted by the service itself, while events in other states stay.
 */

const SECRET = 'retention-secret';
const ADMIN = 'retention-admin';
/** 1.7 s: the service checks once per retention period when that is shorter than an hour. */
const RETENTION_DAYS = '0.00002';

describeEachDriver('dead-letter retention (%s driver)', (driver: Driver) => {
  const { sandbox, app } = sandboxedApp({
    COGNIGY_WEBHOOK_SECRETS: SECRET,
    ADMIN_TOKEN: ADMIN,
    DEAD_LETTER_RETENTION_DAYS: RETENTION_DAYS,
    ...driverEnv(driver),
  });

  const deadLetterIds = async () => {
    const res = await request(app().server)
      .get('/admin/dead-letters?limit=500')
      .set('authorization', `Bearer ${ADMIN}`);
    expect(res.status).toBe(200);
    return (res.body.items as Array<{ eventId: string }>).map((item) => item.eventId);
  };

  it('deletes dead letters once they are older than the retention, and nothing else', async () => {
    sandbox.inject({ status: 400, count: 1, body: { error: 'invalid_field', message: 'rejected' } });
    const dead = await sendAccepted(app(), SECRET, contactDialog(unique('C')));
    await waitForState(app(), ADMIN, [dead], 'dead');
    const delivered = await sendAccepted(app(), SECRET, contactDialog(unique('C')));
    await waitForState(app(), ADMIN, [delivered], 'delivered');

    await waitFor(async () => !(await deadLetterIds()).includes(dead));
    const gone = await request(app().server).get(`/admin/events/${dead}`).set('authorization', `Bearer ${ADMIN}`);
    expect(gone.status).toBe(404);
    const kept = await request(app().server).get(`/admin/events/${delivered}`).set('authorization', `Bearer ${ADMIN}`);
    expect([kept.status, kept.body.state]).toEqual([200, 'delivered']);
  });
});
