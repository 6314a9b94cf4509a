import { nowSeconds, standardSignature } from './support/signing';
import { authApps, authRequests, TOLERANCE, WHSEC_NEW, WHSEC_OLD, WHSEC_OTHER } from './support/webhook-auth';
import { RouteCase, ROUTES, store, storedCount, unique } from './support/webhook-cases';

/**
 * The standard mode of WEBHOOK_AUTH_MODES (Standard Webhooks: webhook-id, webhook-timestamp and
 * webhook-signature under whsec_ secrets in rotation; webhook-id is the event id), through real
 * HTTP into the real app, on both webhook routes.
 */

const apps = authApps('standard');

describe.each(ROUTES)('webhook authentication on $path', (route: RouteCase) => {
  const { send, accepted, refused } = authRequests(route);

  describe('standard (Standard Webhooks)', () => {
    const headers = (raw: string, whsec: string, id: string, ts: number | string = nowSeconds()) => ({
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': standardSignature(whsec, id, ts, raw),
    });

    it('accepts a valid request and takes webhook-id as the event id', async () => {
      const id = unique('msg');
      const before = await storedCount(apps.standard);
      const { res } = await send(apps.standard, (raw) => headers(raw, WHSEC_NEW, id));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ status: 'accepted', eventId: id });
      expect(await storedCount(apps.standard)).toBe(before + 1);
      expect((await store(apps.standard).get(id))?.eventId).toBe(id);
    });

    it('webhook-id wins over Idempotency-Key and X-Cognigy-Event-Id', async () => {
      const id = unique('msg');
      const { res } = await send(apps.standard, (raw) => ({
        ...headers(raw, WHSEC_NEW, id),
        'idempotency-key': unique('idem'),
        'x-cognigy-event-id': unique('cog'),
      }));
      expect(res.status).toBe(202);
      expect(res.body.eventId).toBe(id);
    });

    it('a second delivery with the same webhook-id is a duplicate', async () => {
      const id = unique('msg');
      const before = await storedCount(apps.standard);
      const first = await send(apps.standard, (raw) => headers(raw, WHSEC_NEW, id));
      expect(first.res.status).toBe(202);
      // A retry from the gateway: same id, fresh timestamp and signature.
      const again = await send(apps.standard, (raw) => headers(raw, WHSEC_OLD, id));
      expect(again.res.status).toBe(200);
      expect(again.res.body).toEqual({ status: 'duplicate', eventId: id });
      expect(await storedCount(apps.standard)).toBe(before + 1);
    });

    it('accepts the rotated (older) whsec_ secret', async () => {
      const id = unique('msg');
      const { res } = await send(apps.standard, (raw) => headers(raw, WHSEC_OLD, id));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ status: 'accepted', eventId: id });
    });

    it('accepts when any of several space-separated signatures matches', () =>
      accepted(apps.standard, (raw) => {
        const id = unique('msg');
        const ts = nowSeconds();
        const good = standardSignature(WHSEC_NEW, id, ts, raw);
        const bad = standardSignature(WHSEC_OTHER, id, ts, raw);
        return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': `${bad} ${good}` };
      }));

    it('refuses a secret that is not configured', () =>
      refused(apps.standard, (raw) => headers(raw, WHSEC_OTHER, unique('msg'))));

    it('refuses a stale webhook-timestamp', () =>
      refused(apps.standard, (raw) => headers(raw, WHSEC_NEW, unique('msg'), nowSeconds() - (TOLERANCE + 30))));

    it('refuses a future webhook-timestamp', () =>
      refused(apps.standard, (raw) => headers(raw, WHSEC_NEW, unique('msg'), nowSeconds() + TOLERANCE + 30)));

    it('accepts a webhook-timestamp inside the tolerance', () =>
      accepted(apps.standard, (raw) => headers(raw, WHSEC_NEW, unique('msg'), nowSeconds() - (TOLERANCE - 10))));

    it('refuses the body tampered with after signing', async () => {
      const { body } = route.completion();
      const signedRaw = JSON.stringify(body);
      const tampered = signedRaw.replace(/"completed"/, '"complete!"');
      expect(tampered).not.toBe(signedRaw);
      await refused(apps.standard, () => headers(signedRaw, WHSEC_NEW, unique('msg')), tampered);
    });

    it('refuses a webhook-id other than the one signed', () =>
      refused(apps.standard, (raw) => ({ ...headers(raw, WHSEC_NEW, unique('msg')), 'webhook-id': unique('msg') })));

    it('refuses a request without webhook-id', () =>
      refused(apps.standard, (raw) => {
        const { 'webhook-id': _id, ...rest } = headers(raw, WHSEC_NEW, unique('msg'));
        return rest;
      }));

    it('refuses a request without webhook-timestamp', () =>
      refused(apps.standard, (raw) => {
        const { 'webhook-timestamp': _ts, ...rest } = headers(raw, WHSEC_NEW, unique('msg'));
        return rest;
      }));

    it('refuses a signature not tagged v1', () =>
      refused(apps.standard, (raw) => {
        const h = headers(raw, WHSEC_NEW, unique('msg'));
        return { ...h, 'webhook-signature': h['webhook-signature'].replace(/^v1,/, 'v2,') };
      }));
  });
});
