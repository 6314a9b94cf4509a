import { DIALOG_ROUTE as DIALOG, ENDPOINT_ROUTE as ENDPOINT, freshDialog } from './support/webhook-cases';
import { endpointOutput, validationApp } from './support/webhook-validation';

/**
 * Bodies that are not valid JSON, or nested deeper than the validation can go, on both webhook
 * routes: a 400 in Nest's validation shape, never a 5xx, with nothing stored; unknown top-level
 * fields are dropped. Through real, signed HTTP requests into the real app.
 */

describe('webhook DTO validation', () => {
  const { expect400, accepted } = validationApp();

  describe('dialog-complete: JSON', () => {
    it.each([
      ['a syntax error', '{"conversationId": "conv-1",'],
      ['a bare word', 'conversationId=conv-1'],
      ['single quotes', "{'conversationId': 'conv-1'}"],
      ['a trailing comma', '{"conversationId": "conv-1",}'],
      ['an empty body', ''],
    ])('invalid JSON (%s) → 400 in the validation shape', async (_, raw) => {
      const messages = await expect400(DIALOG, raw, []);
      expect(messages.join(' ')).toMatch(/JSON/);
    });

    // Hostile input must never be a 5xx (issue 2, "Bad input"). A few KB of brackets nest deeper
    // than class-transformer's recursion can go: it must be refused as a bad body, not crash the pipe.
    it.each(['metadata', 'entities', 'unknownField'])(
      'JSON nested 5,000 levels deep in %s → 400, not a 5xx',
      async (field) => {
        const nested = `${'['.repeat(5000)}${']'.repeat(5000)}`;
        const raw = JSON.stringify(freshDialog()).replace(/}$/, `,"${field}":${nested}}`);
        await expect400(DIALOG, raw, []);
      },
    );

    it('JSON nested 5,000 levels deep in an endpoint output → 400, not a 5xx', async () => {
      const nested = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
      const raw = JSON.stringify(endpointOutput()).replace(/}$/, `,"deep":${nested}}`);
      await expect400(ENDPOINT, raw, []);
    });

    it('unknown top-level fields are dropped, not stored', async () => {
      const stored = await accepted(DIALOG, freshDialog({ extra: 'dropped', password: 'hunter2' }));
      expect(JSON.stringify(stored.event)).not.toMatch(/dropped|hunter2/);
    });
  });
});
