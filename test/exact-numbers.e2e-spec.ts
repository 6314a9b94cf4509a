import { sandboxedApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import {
  DIALOG_ROUTE,
  ENDPOINT_CASE,
  ENDPOINT_ROUTE,
  freshDialog,
  postSigned,
  storedCount,
} from './support/webhook-cases';

/**
 * Numbers JSON.parse cannot keep (integers beyond 2^53) are refused with a 400 naming where they
 * are, never rounded into another record's id; numbers it keeps exactly reach the CRM with the
 * digits sent. Real signed HTTP into the real app, delivering to the sandbox CRM.
 */

const SECRET = 'exact-numbers-secret';

/** A dialog completion whose raw text carries `number` (as written) where `marker` stands. */
function rawWith(body: Record<string, unknown>, marker: string, number: string): string {
  const raw = JSON.stringify(body);
  expect(raw).toContain(`"${marker}"`);
  return raw.replace(`"${marker}"`, number);
}

describe('exact numbers', () => {
  const { sandbox, app } = sandboxedApp({ COGNIGY_WEBHOOK_SECRETS: SECRET });

  it.each(['12345678901234567890', '9007199254740993', '-9007199254740992', '1e300'])(
    'an entity value of %s (an integer JSON.parse rounds) is a 400 naming it; nothing is stored',
    async (number) => {
      const before = await storedCount(app());
      const raw = rawWith(freshDialog({ entities: { customerId: { value: 'ID' } } }), 'ID', number);
      const res = await postSigned(app(), SECRET, DIALOG_ROUTE, raw);
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual([
        'entities.customerId.value must be an integer within ±9007199254740991 (2^53 - 1) to be kept exactly; send larger numbers as strings',
      ]);
      expect(await storedCount(app())).toBe(before);
    },
  );

  it('names the entity by its full path on the endpoint-output route', async () => {
    const { body } = ENDPOINT_CASE.completion('log_support_ticket', { ticketId: { value: 'ID' } });
    const res = await postSigned(app(), SECRET, ENDPOINT_ROUTE, rawWith(body, 'ID', '12345678901234567890'));
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual([
      expect.stringMatching(/^AIOutput\.data\.entities\.ticketId\.value must be an integer within ±9007199254740991/),
    ]);
  });

  it('a metadata number JSON.parse rounds, at any depth, is a 400 naming its path (any metadata may be mapped)', async () => {
    const body = freshDialog({
      entities: { customerId: { value: 'C-meta-number' } },
      metadata: { account: { numbers: [1, 'BIG'] } },
    });
    const res = await postSigned(app(), SECRET, DIALOG_ROUTE, rawWith(body, 'BIG', '18446744073709551615'));
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual([
      expect.stringMatching(/^metadata\.account\.numbers\.1 must be an integer within ±9007199254740991/),
    ]);
  });

  it('the largest safe integers and fractions are kept exactly: the CRM gets the digits sent', async () => {
    const raw = rawWith(
      rawWithObject(
        freshDialog({ entities: { customerId: { value: 'ID' }, notes: { value: 'FRACTION' } } }),
        'FRACTION',
        '0.30000000000000004',
      ),
      'ID',
      '9007199254740991',
    );
    const res = await postSigned(app(), SECRET, DIALOG_ROUTE, raw);
    expect(res.status).toBe(202);
    const upsert = await waitFor(() =>
      sandbox.requests().find((r) => r.status === 200 && r.idempotencyKey === `cognigy-${res.body.eventId}`),
    );
    expect(upsert.body).toMatchObject({ external_id: '9007199254740991', notes: '0.30000000000000004' });
  });
});

/** `rawWith` on an object, parsed back (so the number is a JSON number of the body). */
function rawWithObject(body: Record<string, unknown>, marker: string, number: string): Record<string, unknown> {
  return JSON.parse(rawWith(body, marker, number)) as Record<string, unknown>;
}
