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
 * A string holding half a surrogate pair ("\ud800" as a JSON escape) is no Unicode text: a CRM
 * request built from it cannot be encoded (an external id in a URL throws), so it would be
 * retried until dead. It is refused at receipt with a 400 naming the field; a whole pair sent as
 * escapes is text and reaches the CRM. Real signed HTTP into the real app and the sandbox CRM.
 */

const SECRET = 'unicode-values-secret';

/** The body's JSON text with the string "MARK" replaced by `escaped`, a JSON string literal's inside. */
function rawWith(body: Record<string, unknown>, escaped: string): string {
  const raw = JSON.stringify(body);
  expect(raw).toContain('"MARK"');
  return raw.replace('"MARK"', `"${escaped}"`);
}

describe('lone surrogates in values', () => {
  const { sandbox, app } = sandboxedApp({ COGNIGY_WEBHOOK_SECRETS: SECRET });

  it.each(['\\ud800', 'C-\\udfff-1', '\\ude00\\ud83d'])(
    'an external id of "%s" is a 400 naming the entity value; nothing is stored',
    async (escaped) => {
      const before = await storedCount(app());
      const raw = rawWith(freshDialog({ entities: { customerId: { value: 'MARK' } } }), escaped);
      const res = await postSigned(app(), SECRET, DIALOG_ROUTE, raw);
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual([
        expect.stringMatching(
          /^entities\.customerId\.value must be well-formed Unicode: a lone surrogate \\ud[89a-f][0-9a-f]{2} at character \d+$/,
        ),
      ]);
      expect(await storedCount(app())).toBe(before);
    },
  );

  it('names the entity by its full path on the endpoint-output route', async () => {
    const { body } = ENDPOINT_CASE.completion('log_support_ticket', { ticketId: { value: 'MARK' } });
    const res = await postSigned(app(), SECRET, ENDPOINT_ROUTE, rawWith(body, 'T-\\udbff'));
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual([
      'AIOutput.data.entities.ticketId.value must be well-formed Unicode: a lone surrogate \\udbff at character 2',
    ]);
  });

  it('a metadata string with a lone surrogate, at any depth, is a 400 naming its path (any metadata may be mapped)', async () => {
    const body = freshDialog({
      entities: { customerId: { value: 'C-meta-surrogate' } },
      metadata: { a: ['x', 'MARK'] },
    });
    const res = await postSigned(app(), SECRET, DIALOG_ROUTE, rawWith(body, '\\udc00'));
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual([
      'metadata.a.1 must be well-formed Unicode: a lone surrogate \\udc00 at character 0',
    ]);
  });

  it('a whole surrogate pair sent as escapes is text: accepted and delivered with the character sent', async () => {
    const raw = rawWith(freshDialog({ entities: { customerId: { value: 'MARK' } } }), 'C-\\ud83d\\ude00');
    const res = await postSigned(app(), SECRET, DIALOG_ROUTE, raw);
    expect(res.status).toBe(202);
    const upsert = await waitFor(() =>
      sandbox.requests().find((r) => r.status === 200 && r.idempotencyKey === `cognigy-${res.body.eventId}`),
    );
    expect(upsert.body).toMatchObject({ external_id: 'C-😀' });
  });
});
