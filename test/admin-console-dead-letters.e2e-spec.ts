import { eventView, waitForState } from './support/admin-api';
import { adminConsoleApp, ADMIN, ids, TICKET } from './support/admin-console-app';
import { Driver, describeEachDriver } from './support/drivers';
import { TestApp } from './support/test-app';
import { contactDialog, ticketDialog, unique } from './support/webhook-cases';

/**
 * The dead letters of the admin API the console uses, end to end over real HTTP for each queue
 * driver: the filters by intent, object type, last status and failure time, paging, and the
 * replay's dry run.
 */

describeEachDriver('admin API for the console (%s driver)', (driver: Driver) => {
  const { app, get, post, deadLetter } = adminConsoleApp(driver);
  let t: TestApp;
  beforeAll(() => (t = app()));

  describe('GET /admin/dead-letters filters and the replay dry run', () => {
    let ticket400: string;
    let contact422: string;
    let between: { after: string; before: string };

    beforeAll(async () => {
      const before = new Date().toISOString();
      ticket400 = await deadLetter(ticketDialog(unique('T-FILTER')), 400);
      const middle = new Date(Date.now() + 1).toISOString();
      await new Promise((resolve) => setTimeout(resolve, 5));
      contact422 = await deadLetter(contactDialog(unique('C-FILTER')), 422);
      between = { after: before, before: middle };
    });

    const listed = async (query: string) => {
      const res = await get(`/admin/dead-letters?limit=500&${query}`);
      expect(res.status).toBe(200);
      return ids(res.body);
    };

    it('filters by intent, object type, last status and failure time', async () => {
      expect(await listed(`intent=${TICKET}`)).toContain(ticket400);
      expect(await listed(`intent=${TICKET}`)).not.toContain(contact422);
      expect(await listed('objectType=contact')).toContain(contact422);
      expect(await listed('objectType=contact')).not.toContain(ticket400);
      expect(await listed('lastStatus=422')).toContain(contact422);
      expect(await listed('lastStatus=422')).not.toContain(ticket400);
      const inWindow = await listed(`failedAfter=${between.after}&failedBefore=${between.before}`);
      expect(inWindow).toContain(ticket400);
      expect(inWindow).not.toContain(contact422);
      expect(await listed(`failedAfter=${between.before}`)).toContain(contact422);
      expect(await listed(`failedAfter=${between.before}`)).not.toContain(ticket400);
      expect(await listed(`objectType=contact&lastStatus=400&intent=${TICKET}`)).toEqual([]);
    });

    it('pages a filtered list by limit and nextCursor', async () => {
      const all = await listed('objectType=contact');
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
        const res = await get(`/admin/dead-letters?objectType=contact&limit=1${query}`);
        paged.push(...ids(res.body));
        cursor = res.body.nextCursor;
      } while (cursor !== null && paged.length < 500);
      expect(paged).toEqual(all);
    });

    it('counts with dryRun=true (200, nothing changed), then replays the same set (202)', async () => {
      const query = `lastStatus=422&objectType=contact&failedAfter=${between.before}`;
      const matching = await listed(query);
      expect(matching).toContain(contact422);

      const dry = await post(`/admin/dead-letters/replay?${query}&dryRun=true`);
      expect(dry.status).toBe(200);
      expect(dry.body).toEqual({ wouldReplay: matching.length });
      expect(await eventView(t, ADMIN, contact422)).toMatchObject({ state: 'dead' });
      expect(await listed(query)).toEqual(matching);

      const notDry = await post(`/admin/dead-letters/replay?${query}&dryRun=false`);
      expect(notDry.status).toBe(202);
      expect(notDry.body).toEqual({ replayed: matching.length });
      await waitForState(t, ADMIN, matching, 'delivered');
      expect(await eventView(t, ADMIN, ticket400)).toMatchObject({ state: 'dead' });
    });

    it.each([
      ['lastStatus=abc', /lastStatus/],
      ['lastStatus=99', /lastStatus/],
      ['failedAfter=yesterday', /failedAfter must be an ISO-8601 time/],
      ['failedBefore=2026-13-01T00:00:00Z', /failedBefore must be an ISO-8601 time/],
      ['limit=0', /limit/],
    ])('GET answers 400 naming the parameter to %s', async (query, message) => {
      const res = await get(`/admin/dead-letters?${query}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(message);
    });

    it.each([
      ['dryRun=yes', /dryRun must be true or false/],
      ['dryRun=true&lastStatus=x', /lastStatus/],
      ['failedAfter=soon', /failedAfter/],
    ])('POST replay answers 400 naming the parameter to %s, replaying nothing', async (query, message) => {
      const res = await post(`/admin/dead-letters/replay?${query}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(message);
      expect(await eventView(t, ADMIN, ticket400)).toMatchObject({ state: 'dead' });
    });
  });
});
