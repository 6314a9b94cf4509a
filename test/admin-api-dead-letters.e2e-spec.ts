import { eventView, waitForState } from './support/admin-api';
import { adminApiApp, DeadLetter, expectIso, profileBody } from './support/admin-api-app';
import { ADMIN, call, PROFILE, RIGHT, SECRET, TICKET } from './support/admin-console-app';
import { Driver, describeEachDriver } from './support/drivers';
import { TestApp } from './support/test-app';
import { sendAccepted, unique } from './support/webhook-cases';

/**
 * The operators' API for dead letters, end to end over real HTTP for each queue driver: dead
 * letters made by the CRM sandbox answering a permanent 400 are listed (every field, paged),
 * replayed one by one (delivered under cognigy-<eventId>-r<n>), by intent or all, and deleted.
 */

const DEAD_LETTER_FIELDS = [
  'attempts',
  'eventId',
  'externalId',
  'failedAt',
  'intent',
  'lastError',
  'lastStatus',
  'objectType',
];

describeEachDriver('admin API (%s driver)', (driver: Driver) => {
  const { sandbox, app, makeDeadLetters, listAll, sentWith, sentFor } = adminApiApp(driver);
  let t: TestApp;

  beforeAll(() => {
    t = app();
  });

  describe('GET /admin/dead-letters', () => {
    it('lists dead letters with every field, paged by limit and nextCursor', async () => {
      const startedAt = Date.now();
      const intents = [PROFILE, TICKET, PROFILE, TICKET, PROFILE];
      const ids = await makeDeadLetters(intents);

      const all = await listAll();
      const allIds = all.map((d) => d.eventId);
      expect(new Set(allIds).size).toBe(allIds.length);
      // In arrival order; ours are the newest.
      expect(allIds.slice(-ids.length)).toEqual(ids);

      for (const [i, id] of ids.entries()) {
        const item = all.find((d) => d.eventId === id)!;
        expect(Object.keys(item).sort()).toEqual(DEAD_LETTER_FIELDS);
        expect(item).toMatchObject({
          eventId: id,
          intent: intents[i],
          objectType: intents[i] === TICKET ? 'ticket' : 'contact',
          attempts: 1,
          lastStatus: 400,
        });
        expect(item.externalId).toMatch(intents[i] === TICKET ? /^T-/ : /^C-/);
        expect(item.lastError).toContain('400');
        expect(item.lastError).toContain('unknown tier');
        expectIso(item.failedAt);
        expect(Date.parse(item.failedAt)).toBeGreaterThanOrEqual(startedAt);
        expect(Date.parse(item.failedAt)).toBeLessThanOrEqual(Date.now());
      }

      // Default limit (50) covers them all here.
      const byDefault = await call(t, 'get', '/admin/dead-letters', RIGHT);
      expect(byDefault.body).toEqual({ items: all, nextCursor: null });

      // Pages of two, following nextCursor, give the same list once.
      const paged: DeadLetter[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
        const res = await call(t, 'get', `/admin/dead-letters${query}`, RIGHT);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeGreaterThan(0);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        paged.push(...res.body.items);
        cursor = res.body.nextCursor;
        if (cursor !== null) {
          expect(typeof cursor).toBe('string');
          expect(res.body.items).toHaveLength(2);
        }
        pages += 1;
      } while (cursor !== null && pages < 100);
      expect(cursor).toBeNull();
      expect(pages).toBe(Math.ceil(all.length / 2));
      expect(paged).toEqual(all);

      const one = await call(t, 'get', '/admin/dead-letters?limit=1', RIGHT);
      expect(one.body.items).toEqual([all[0]]);
      expect(one.body.nextCursor).toEqual(expect.any(String));
    });

    it.each(['0', '-1', '501', 'abc', '1.5'])('answers 400 to limit=%j', async (limit) => {
      const res = await call(t, 'get', `/admin/dead-letters?limit=${limit}`, RIGHT);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(/limit/);
    });

    it('answers 400 to a cursor it did not hand out', async () => {
      const res = await call(t, 'get', '/admin/dead-letters?cursor=not-a-cursor', RIGHT);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(/cursor/);
    });
  });

  describe('POST /admin/dead-letters/:eventId/replay', () => {
    it('queues the dead letter again and it is delivered under the key cognigy-<eventId>-r1', async () => {
      const [id] = await makeDeadLetters([PROFILE]);
      const res = await call(t, 'post', `/admin/dead-letters/${id}/replay`, RIGHT);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ eventId: id, state: 'queued' });

      const [view] = await waitForState(t, ADMIN, [id], 'delivered');
      expect(view).toMatchObject({ attempts: 1, lastStatus: 200, lastError: null });
      expectIso(view.deliveredAt);

      const sent = sentFor(id);
      expect(sent.map((r) => [r.idempotencyKey, r.status])).toEqual([
        [`cognigy-${id}`, 400],
        [`cognigy-${id}-r1`, 200],
      ]);
      expect(sent[1].body).toEqual(sent[0].body);
      const externalId = (sent[0].body as { external_id: string }).external_id;
      const record = sandbox.records().contacts.find((r) => r.external_id === externalId);
      expect(record).toMatchObject({ status: 'mauve', applied_keys: [`cognigy-${id}-r1`] });

      expect((await listAll()).map((d) => d.eventId)).not.toContain(id);
      const again = await call(t, 'post', `/admin/dead-letters/${id}/replay`, RIGHT);
      expect(again.status).toBe(404);
      expect(sentFor(id)).toHaveLength(2);
    });

    it('uses -r2 on the second replay of a letter that died again', async () => {
      const [id] = await makeDeadLetters([TICKET]);
      sandbox.inject({ status: 422, body: { error: 'still_invalid' } });
      expect((await call(t, 'post', `/admin/dead-letters/${id}/replay`, RIGHT)).status).toBe(202);
      const [dead] = await waitForState(t, ADMIN, [id], 'dead');
      expect(dead).toMatchObject({ attempts: 1, lastStatus: 422 });
      expect((await listAll()).filter((d) => d.eventId === id)).toHaveLength(1);

      expect((await call(t, 'post', `/admin/dead-letters/${id}/replay`, RIGHT)).status).toBe(202);
      await waitForState(t, ADMIN, [id], 'delivered');
      expect(sentFor(id).map((r) => [r.idempotencyKey, r.status])).toEqual([
        [`cognigy-${id}`, 400],
        [`cognigy-${id}-r1`, 422],
        [`cognigy-${id}-r2`, 200],
      ]);
    });

    it('answers 404 for an event that is not a dead letter', async () => {
      const id = await sendAccepted(t, SECRET, profileBody(unique('C')));
      await waitForState(t, ADMIN, [id], 'delivered');
      const res = await call(t, 'post', `/admin/dead-letters/${id}/replay`, RIGHT);
      expect(res.status).toBe(404);
      expect(sentFor(id)).toHaveLength(1);
      expect(await eventView(t, ADMIN, id)).toMatchObject({ state: 'delivered', attempts: 1 });
    });
  });

  describe('DELETE /admin/dead-letters/:eventId', () => {
    let deleted: string;

    it('removes a dead letter (204), then answers 404 for it', async () => {
      [deleted] = await makeDeadLetters([PROFILE]);
      const res = await call(t, 'delete', `/admin/dead-letters/${deleted}`, RIGHT);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect((await listAll()).map((d) => d.eventId)).not.toContain(deleted);

      expect((await call(t, 'delete', `/admin/dead-letters/${deleted}`, RIGHT)).status).toBe(404);
      expect((await call(t, 'post', `/admin/dead-letters/${deleted}/replay`, RIGHT)).status).toBe(404);
    });

    it('answers 404 for an event that is not a dead letter, and leaves it', async () => {
      const id = await sendAccepted(t, SECRET, profileBody(unique('C')));
      await waitForState(t, ADMIN, [id], 'delivered');
      expect((await call(t, 'delete', `/admin/dead-letters/${id}`, RIGHT)).status).toBe(404);
      expect(await eventView(t, ADMIN, id)).toMatchObject({ state: 'delivered' });
    });

    it('does not send a deleted dead letter on a later replay of all', async () => {
      expect(deleted).toBeDefined();
      const dead = (await listAll()).map((d) => d.eventId);
      const res = await call(t, 'post', '/admin/dead-letters/replay', RIGHT);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ replayed: dead.length });
      await waitForState(t, ADMIN, dead, 'delivered');
      expect(await listAll()).toEqual([]);
      expect(sentFor(deleted).map((r) => r.idempotencyKey)).toEqual([`cognigy-${deleted}`]);
    });
  });

  describe('POST /admin/dead-letters/replay', () => {
    it('replays the dead letters of one intent, then all, and they are delivered', async () => {
      const intents = [PROFILE, TICKET, PROFILE, TICKET, TICKET];
      const ids = await makeDeadLetters(intents);
      const before = await listAll();
      const tickets = before.filter((d) => d.intent === TICKET).map((d) => d.eventId);
      const others = before.filter((d) => d.intent !== TICKET).map((d) => d.eventId);
      expect(tickets).toEqual(ids.filter((_, i) => intents[i] === TICKET));
      expect(others.length).toBeGreaterThanOrEqual(2);

      const byIntent = await call(t, 'post', `/admin/dead-letters/replay?intent=${TICKET}`, RIGHT);
      expect(byIntent.status).toBe(202);
      expect(byIntent.body).toEqual({ replayed: tickets.length });
      await waitForState(t, ADMIN, tickets, 'delivered');
      for (const id of tickets) expect(sentWith(`cognigy-${id}-r1`).map((r) => r.status)).toEqual([200]);
      const left = await listAll();
      expect(left.map((d) => d.eventId)).toEqual(others);
      for (const id of others) expect(sentFor(id).map((r) => r.idempotencyKey)).toEqual([`cognigy-${id}`]);

      const rest = await call(t, 'post', '/admin/dead-letters/replay', RIGHT);
      expect(rest.status).toBe(202);
      expect(rest.body).toEqual({ replayed: others.length });
      await waitForState(t, ADMIN, others, 'delivered');
      for (const id of others) expect(sentWith(`cognigy-${id}-r1`).map((r) => r.status)).toEqual([200]);

      const empty = await call(t, 'get', '/admin/dead-letters', RIGHT);
      expect(empty.body).toEqual({ items: [], nextCursor: null });
      const none = await call(t, 'post', '/admin/dead-letters/replay', RIGHT);
      expect(none.status).toBe(202);
      expect(none.body).toEqual({ replayed: 0 });
    });
  });
});
