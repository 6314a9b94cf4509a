import { randomBytes } from 'node:crypto';
import { DIALOG_ROUTE as DIALOG, freshDialog } from './support/webhook-cases';
import { MAX, names, REQUIRED, validationApp, without } from './support/webhook-validation';

/**
 * DTO validation of the dialog-complete route's own fields (400 naming every problem): the required
 * strings (missing, of the wrong type, empty), the timestamp (unparsable, or normalised for the
 * CRM) and strings over 10,000 characters, through real, signed HTTP requests into the real app.
 * Every 400 must have Nest's validation shape and name each bad field; no request answered 400 may
 * leave anything in the store. Entities and metadata: webhook-validation-dialog-entities; bodies
 * that are not JSON: webhook-validation-json; the endpoint-output route:
 * webhook-validation-endpoint-output.
 */

describe('webhook DTO validation', () => {
  const { expect400, accepted } = validationApp();

  it('accepts the documented example body as the baseline', async () => {
    const stored = await accepted(DIALOG, freshDialog());
    expect(stored.event.intent).toBe('update_customer_profile');
    expect(stored.upsert.body).toMatchObject({ external_id: 'C-1001', status: 'gold' });
  });

  describe('dialog-complete: required strings', () => {
    it.each(REQUIRED)('%s missing → 400 naming it (and only it)', async (field) => {
      await expect400(DIALOG, without(freshDialog(), field), [field], true);
    });

    const wrongTypes: [string, unknown][] = [
      ['a number', 42],
      ['a boolean', true],
      ['null', null],
      ['an object', { text: 'x' }],
      ['an array', ['x']],
    ];
    describe.each(REQUIRED)('%s of the wrong type', (field) => {
      it.each(wrongTypes)('%s → 400 naming it', async (_, value) => {
        await expect400(DIALOG, freshDialog({ [field]: value }), [field], true);
      });
    });

    it.each(REQUIRED)('%s as the empty string → 400 naming it', async (field) => {
      await expect400(DIALOG, freshDialog({ [field]: '' }), [field], true);
    });

    it('names every bad field when several are bad at once', async () => {
      const body = without(
        freshDialog({
          conversationId: 17,
          intent: ['update_customer_profile'],
          timestamp: 'yesterday',
          entities: { customerId: { value: { id: 'C-1' } }, newStatus: { value: 'gold', confidence: 7 } },
          metadata: ['voice'],
        }),
        'botId',
      );
      const messages = await expect400(DIALOG, body, [
        'conversationId',
        'botId',
        'intent',
        'timestamp',
        'entities.customerId.value',
        'entities.newStatus.confidence',
        'metadata',
      ]);
      // status was fine and is not blamed.
      expect(names(messages, 'status')).toBe(false);
    });
  });

  describe('dialog-complete: timestamp', () => {
    it.each([
      ['yesterday'],
      ['1764151200'],
      ['26/11/2026 10:00'],
      ['2026-11-26T10:00:00 GMT'],
      ['2026-13-01T10:00:00Z'],
      ['2026-11-32T10:00:00Z'],
      ['2026-02-30T10:00:00Z'],
      ['2026-04-31'],
      ['2025-02-29T00:00:00Z'],
      ['2026-11-26T25:00:00Z'],
      ['2026-11-26T10:60:00Z'],
      ['Thu, 26 Nov 2026 10:00:00 GMT'],
      [' 2026-11-26T10:00:00Z'],
    ])('unparsable %p → 400 naming timestamp', async (timestamp) => {
      await expect400(DIALOG, freshDialog({ timestamp }), ['timestamp'], true);
    });

    it.each([
      ['2026-11-26T10:00:00Z', '2026-11-26T10:00:00.000Z'],
      ['2026-11-26T11:30:00+01:30', '2026-11-26T10:00:00.000Z'],
      ['2026-11-26T05:00:00-0500', '2026-11-26T10:00:00.000Z'],
      ['2026-11-26T10:00:00.250Z', '2026-11-26T10:00:00.250Z'],
      ['2026-11-26T10:00:00', '2026-11-26T10:00:00.000Z'],
      ['2026-11-26T10:00', '2026-11-26T10:00:00.000Z'],
      ['2026-11-26', '2026-11-26T00:00:00.000Z'],
      ['2024-02-29T10:00:00Z', '2024-02-29T10:00:00.000Z'],
    ])('%p is accepted, kept as received and normalised to %p in the CRM body', async (timestamp, iso) => {
      const stored = await accepted(DIALOG, freshDialog({ timestamp }));
      expect(stored.event.timestamp).toBe(timestamp);
      expect(stored.eventTime).toBe(Date.parse(iso));
      expect(stored.upsert.body.last_interaction).toBe(iso);
    });
  });

  describe('dialog-complete: strings over 10,000 characters', () => {
    it.each(['conversationId', 'botId', 'status', 'intent'])(
      '%s of 10,001 characters → 400 naming it',
      async (field) => {
        await expect400(DIALOG, freshDialog({ [field]: 'x'.repeat(MAX + 1) }), [field], true);
      },
    );

    it('a timestamp of 10,001 characters → 400 naming timestamp', async () => {
      await expect400(
        DIALOG,
        freshDialog({ timestamp: `2026-11-26T10:00:00.${'0'.repeat(MAX - 20)}Z` }),
        ['timestamp'],
        true,
      );
    });

    it('strings of exactly 10,000 characters are accepted', async () => {
      const stored = await accepted(
        DIALOG,
        freshDialog({
          conversationId: `c${'x'.repeat(MAX - 1 - 12)}${randomBytes(6).toString('hex')}`,
          botId: 'b'.repeat(MAX),
          entities: { customerId: { value: 'C-1' }, notes: { value: 'n'.repeat(MAX) } },
          metadata: { note: 'm'.repeat(MAX) },
        }),
      );
      expect(stored.event.conversationId).toHaveLength(MAX);
      expect(stored.event.botId).toHaveLength(MAX);
      expect(stored.upsert.body.notes).toHaveLength(MAX);
    });

    it('an entity value of 10,001 characters → 400 naming it', async () => {
      await expect400(
        DIALOG,
        freshDialog({ entities: { customerId: { value: 'C-1' }, notes: { value: 'n'.repeat(MAX + 1) } } }),
        ['entities.notes.value'],
      );
    });

    it('a metadata string of 10,001 characters, at any depth → 400 naming its path', async () => {
      await expect400(
        DIALOG,
        freshDialog({
          metadata: { channel: 'voice', note: 'm'.repeat(MAX + 1), deep: { list: ['ok', 'd'.repeat(MAX + 1)] } },
        }),
        ['metadata.note', 'metadata.deep.list.1'],
      );
    });

    it('names every over-long field at once', async () => {
      const long = 'x'.repeat(MAX + 1);
      await expect400(
        DIALOG,
        freshDialog({ conversationId: long, status: long, entities: { customerId: { value: long } } }),
        ['conversationId', 'status', 'entities.customerId.value'],
      );
    });
  });
});
