import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { randomBytes } from 'node:crypto';
import { startTestApp, TestApp } from './support/test-app';
import {
  contactDialog,
  DIALOG_ROUTE,
  ENDPOINT_CASE,
  post,
  store,
  UNAUTHORIZED_BODY,
  unique,
} from './support/webhook-cases';

/**
 * The `standard` mode against the reference signers: Svix's own `svix` package (branded headers
 * `svix-id`, `svix-timestamp`, `svix-signature`) and the Standard Webhooks reference package
 * (`webhook-*` headers). Both sign; the real app verifies.
 */

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const OTHER_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

type Signer = {
  name: string;
  prefix: 'svix' | 'webhook';
  sign: (secret: string, id: string, at: Date, raw: string) => string;
};
const SIGNERS: Signer[] = [
  {
    name: 'svix (Svix-branded headers)',
    prefix: 'svix',
    sign: (s, id, at, raw) => new SvixWebhook(s).sign(id, at, raw),
  },
  {
    name: 'standardwebhooks (reference)',
    prefix: 'webhook',
    sign: (s, id, at, raw) => new StandardWebhook(s).sign(id, at, raw),
  },
];

describe.each(SIGNERS)('standard mode, signed by $name', ({ prefix, sign }) => {
  let t: TestApp;
  beforeAll(
    async () =>
      (t = await startTestApp({
        WEBHOOK_AUTH_MODES: 'standard',
        STANDARD_WEBHOOK_SECRETS: `${OTHER_SECRET},${SECRET}`,
      })),
  );
  afterAll(() => t?.close());

  const headers = (id: string, at: Date, signature: string) => ({
    [`${prefix}-id`]: id,
    [`${prefix}-timestamp`]: String(Math.floor(at.getTime() / 1000)),
    [`${prefix}-signature`]: signature,
  });
  const send = (raw: string, id = unique('msg'), at = new Date(), secret = SECRET, path = DIALOG_ROUTE) =>
    post(t, path, raw, { headers: headers(id, at, sign(secret, id, at, raw)) });

  it('is accepted, stored, and its message id becomes the event id', async () => {
    const id = unique('msg');
    const res = await send(JSON.stringify(contactDialog(unique('C-SVIX'))), id);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'accepted', eventId: id });
    expect((await store(t).get(id))?.state).toBeDefined();
  });

  it('a redelivery of the same message is a duplicate', async () => {
    const id = unique('msg');
    const raw = JSON.stringify(contactDialog(unique('C-SVIX')));
    expect((await send(raw, id)).status).toBe(202);
    const again = await send(raw, id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ status: 'duplicate', eventId: id });
  });

  it('works on the Webhook Endpoint route too', async () => {
    const { body } = ENDPOINT_CASE.completion();
    expect((await send(JSON.stringify(body), unique('msg'), new Date(), SECRET, ENDPOINT_CASE.path)).status).toBe(202);
  });

  it('is refused with a secret the service does not hold, a changed body or an old timestamp', async () => {
    const raw = JSON.stringify(contactDialog(unique('C-SVIX')));
    const id = unique('msg');
    const wrongSecret = await send(raw, id, new Date(), `whsec_${randomBytes(24).toString('base64')}`);
    expect([wrongSecret.status, wrongSecret.body]).toEqual([401, UNAUTHORIZED_BODY]);

    const now = new Date();
    const tampered = await post(t, DIALOG_ROUTE, raw.replace('C-SVIX', 'C-EVIL'), {
      headers: headers(id, now, sign(SECRET, id, now, raw)),
    });
    expect(tampered.status).toBe(401);

    const stale = await send(raw, id, new Date(Date.now() - 3600_000));
    expect(stale.status).toBe(401);
    expect(await store(t).get(id)).toBeNull();
  });
});
