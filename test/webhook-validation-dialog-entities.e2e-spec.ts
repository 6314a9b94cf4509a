import { sampleDialog } from '../src/webhook/dto/dialog-complete.fixture';
import { DIALOG_ROUTE as DIALOG, freshDialog } from './support/webhook-cases';
import { names, validationApp, without } from './support/webhook-validation';

/**
 * DTO validation of the dialog-complete route's entities and metadata (400 naming every problem,
 * by its path): entity values, confidences and shapes, the 25-problem cap, and arrays or scalars
 * where an object belongs (entities, metadata, the body itself), through real, signed HTTP
 * requests into the real app. Every 400 must have Nest's validation shape and name each bad
 * field; no request answered 400 may leave anything in the store.
 */

describe('webhook DTO validation', () => {
  const { send, expect400, accepted, totalStored } = validationApp();

  describe('dialog-complete: entities', () => {
    it('absent entities pass validation as {} (the mapping then misses its id entity: 422, not 400)', async () => {
      const before = await totalStored();
      const res = await send(DIALOG, without(freshDialog(), 'entities'));
      expect(res.status).toBe(422);
      expect(res.body.message).toBe('Missing required entity: customerId');
      expect(await totalStored()).toBe(before);
    });

    it('entities: null is treated as absent, not as a bad field', async () => {
      const res = await send(DIALOG, freshDialog({ entities: null }));
      expect(res.status).toBe(422);
      expect(res.body.message).toBe('Missing required entity: customerId');
    });

    it('keeps string, number and boolean values as strings (stored event and CRM body)', async () => {
      const stored = await accepted(
        DIALOG,
        freshDialog({
          entities: {
            customerId: { value: 1001, confidence: 1 },
            newStatus: { value: false, confidence: 0.5 },
            notes: { value: 0 },
            extra: { value: true },
            text: { value: 'gold member' },
            fraction: { value: 2.5 },
          },
        }),
      );
      expect(stored.event.entities).toEqual({
        customerId: { value: '1001', confidence: 1 },
        newStatus: { value: 'false', confidence: 0.5 },
        notes: { value: '0', confidence: 0 },
        extra: { value: 'true', confidence: 0 },
        text: { value: 'gold member', confidence: 0 },
        fraction: { value: '2.5', confidence: 0 },
      });
      expect(stored.upsert.externalId).toBe('1001');
      expect(stored.upsert.body).toEqual({
        external_id: '1001',
        status: 'false',
        notes: '0',
        last_interaction: '2026-11-26T10:00:00.000Z',
      });
    });

    it('confidence defaults to 0', async () => {
      const stored = await accepted(DIALOG, freshDialog({ entities: { customerId: { value: 'C-7' } } }));
      expect(stored.event.entities.customerId).toEqual({ value: 'C-7', confidence: 0 });
    });

    it.each([0, 1, 0.5])('confidence %p (inside [0, 1]) is accepted and kept', async (confidence) => {
      const stored = await accepted(DIALOG, freshDialog({ entities: { customerId: { value: 'C-8', confidence } } }));
      expect(stored.event.entities.customerId.confidence).toBe(confidence);
    });

    it.each<[string, unknown]>([
      ['below 0', -0.01],
      ['above 1', 1.01],
      ['a large number', 98],
      ['a numeric string', '0.9'],
      ['a boolean', true],
      ['null', null],
      ['an object', { p: 0.9 }],
    ])('confidence %s → 400 naming entities.customerId.confidence', async (_, confidence) => {
      await expect400(DIALOG, freshDialog({ entities: { customerId: { value: 'C-1', confidence } } }), [
        'entities.customerId.confidence',
      ]);
    });

    it.each<[string, unknown]>([
      ['an object', { id: 'C-1001' }],
      ['an array', ['C-1001']],
      ['null', null],
    ])('a value that is %s → 400 naming entities.customerId.value', async (_, value) => {
      await expect400(DIALOG, freshDialog({ entities: { customerId: { value, confidence: 0.9 } } }), [
        'entities.customerId.value',
      ]);
    });

    it('an entity without a value → 400 naming its value', async () => {
      await expect400(DIALOG, freshDialog({ entities: { customerId: { confidence: 0.9 } } }), [
        'entities.customerId.value',
      ]);
    });

    it.each<[string, unknown]>([
      ['a bare string', 'C-1001'],
      ['an array', [{ value: 'C-1001' }]],
      ['null', null],
    ])('an entity that is %s instead of an object → 400 naming the entity', async (_, entity) => {
      await expect400(DIALOG, freshDialog({ entities: { customerId: entity } }), ['entities.customerId']);
    });

    it('names every bad entity when several are bad', async () => {
      await expect400(
        DIALOG,
        freshDialog({
          entities: {
            customerId: { value: 'C-1' },
            newStatus: { value: ['gold'] },
            notes: { value: 'ok', confidence: -1 },
            priority: 'high',
          },
        }),
        ['entities.newStatus.value', 'entities.notes.confidence', 'entities.priority'],
      );
    });

    it('lists at most 25 entity problems, one message each, the last counting the rest', async () => {
      const entities: Record<string, unknown> = { customerId: { value: 'C-1' } };
      for (let i = 0; i < 30; i++) entities[`e${i}`] = { value: [i] };
      const messages = await expect400(DIALOG, freshDialog({ entities }), ['entities.e0.value', 'entities.e24.value']);
      const entityMessages = messages.filter((m) => m.startsWith('entities.'));
      expect(entityMessages).toHaveLength(25);
      expect(entityMessages[24]).toMatch(/\(and 5 more problems\)$/);
      expect(names(messages, 'entities.e25.value')).toBe(false);
    });
  });

  describe('dialog-complete: arrays and scalars where objects belong', () => {
    it('entities as an array → 400 naming entities', async () => {
      await expect400(DIALOG, freshDialog({ entities: [{ customerId: { value: 'C-1' } }] }), ['entities']);
    });

    it('entities as a string → 400 naming entities', async () => {
      await expect400(DIALOG, freshDialog({ entities: 'customerId=C-1' }), ['entities']);
    });

    it('metadata as an array → 400 naming metadata', async () => {
      await expect400(DIALOG, freshDialog({ metadata: [{ channel: 'voice' }] }), ['metadata']);
    });

    it('metadata as a string → 400 naming metadata', async () => {
      await expect400(DIALOG, freshDialog({ metadata: 'voice' }), ['metadata']);
    });

    it('metadata may be any object, nested included, and is stored as sent', async () => {
      const metadata = { channel: 'voice', locale: { lang: 'de', region: 'AT' }, tags: ['vip', 1, true, null] };
      const stored = await accepted(DIALOG, freshDialog({ metadata }));
      expect(stored.event.metadata).toEqual(metadata);
    });

    it('absent metadata is stored as {}', async () => {
      const stored = await accepted(DIALOG, without(freshDialog(), 'metadata'));
      expect(stored.event.metadata).toEqual({});
    });

    it.each<[string, string]>([
      ['an array', JSON.stringify([sampleDialog()])],
      ['a string', JSON.stringify('conv-8f2c')],
      ['a number', '42'],
      ['null', 'null'],
    ])('the body itself as %s → 400 naming the body', async (_, raw) => {
      await expect400(DIALOG, raw, ['body']);
    });
  });
});
