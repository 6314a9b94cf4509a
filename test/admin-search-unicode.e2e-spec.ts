import request from 'supertest';
import { waitForState } from './support/admin-api';
import { Driver, driverEnv, describeEachDriver } from './support/drivers';
import { sandboxedApp, TestApp } from './support/test-app';
import { contactDialog, sendAccepted, unique } from './support/webhook-cases';

/**
 * GET /admin/events finds events by conversation and external id whatever their characters. The
 * Redis driver indexes `<length>:<value>:...`, its script counting the length in UTF-8 bytes: the
 * search must count the same way (UTF-16 units made every non-ASCII id unfindable on Redis while
 * SQLite found it). Accented letters (2 bytes), CJK (3) and an emoji (4 bytes, 2 UTF-16 units).
 */

const SECRET = 'unicode-secret';
const ADMIN = 'unicode-admin';

describeEachDriver('admin search by non-ASCII ids (%s driver)', (driver: Driver) => {
  const { app } = sandboxedApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, ADMIN_TOKEN: ADMIN, ...driverEnv(driver) });
  let t: TestApp;
  beforeAll(() => (t = app()));

  const search = async (query: Record<string, string>) => {
    const res = await request(t.server)
      .get(`/admin/events?${new URLSearchParams(query).toString()}`)
      .set('authorization', `Bearer ${ADMIN}`);
    expect(res.status).toBe(200);
    return (res.body as { items: Array<{ eventId: string }> }).items.map((item) => item.eventId);
  };

  it.each([
    ['accented', 'conv-é-', 'Müller-'],
    ['CJK', '会話-', '顧客-'],
    ['emoji', 'conv-🙂-', 'Zoë-🙂-'],
  ])('finds %s conversation and external ids', async (_kind, conversationPrefix, customerPrefix) => {
    const conversationId = unique(conversationPrefix);
    const customer = unique(customerPrefix);
    const older = await sendAccepted(
      t,
      SECRET,
      contactDialog(customer, {}, { conversationId, timestamp: '2026-11-26T10:00:00Z' }),
    );
    const newer = await sendAccepted(
      t,
      SECRET,
      contactDialog(customer, {}, { conversationId, timestamp: '2026-11-26T10:01:00Z' }),
    );
    await waitForState(t, ADMIN, [older, newer], 'delivered');

    expect(await search({ conversationId })).toEqual([newer, older]);
    expect(await search({ externalId: customer })).toEqual([newer, older]);
    expect(await search({ conversationId, limit: '1' })).toEqual([newer]);
    // The same characters but another id: nothing (a prefix or a length mix-up would find these).
    expect(await search({ conversationId: conversationId.slice(0, -1) })).toEqual([]);
    expect(await search({ externalId: `${customer}x` })).toEqual([]);
  });
});
