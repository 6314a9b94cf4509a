import { ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { VALIDATION_OPTIONS } from '../../shared/validation.pipe';
import { DIALOG_COMPLETE_FREE_FORM, DialogCompleteDto } from './dialog-complete.dto';
import { sampleDialog } from './dialog-complete.fixture';
import { detachFreeForm } from './free-form';
import { MAX_STRING } from './validators';

const METADATA: ArgumentMetadata = { type: 'custom', metatype: DialogCompleteDto };

/** A body as WebhookPayload hands it to the pipe: parsed from JSON, free-form objects detached. */
function parsed(body: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  detachFreeForm(copy, DIALOG_COMPLETE_FREE_FORM);
  return copy;
}

/** What the plain ValidationPipe (no fast path) makes of the body. */
const throughPipe = (body: Record<string, unknown>) =>
  new ValidationPipe(VALIDATION_OPTIONS).transform(parsed(body), METADATA);

describe('DialogCompleteDto.acceptValid', () => {
  it.each([
    ['the documented sample', sampleDialog()],
    ['no entities and no metadata', sampleDialog({ entities: undefined, metadata: undefined })],
    ['null entities and metadata', sampleDialog({ entities: null, metadata: null })],
    ['undeclared properties (dropped)', sampleDialog({ extra: 'x', constructor: 'y' })],
    [
      'entity and metadata keys named after Object.prototype members',
      sampleDialog({
        entities: JSON.parse(
          '{"__proto__":{"value":"a"},"constructor":{"value":1,"confidence":1},"toString":{"value":true}}',
        ),
        metadata: JSON.parse('{"__proto__":{"x":[1,{"constructor":"c"}]},"valueOf":null}'),
      }),
    ],
    ['a date without time', sampleDialog({ timestamp: '2026-11-26' })],
    ['strings at the length limit', sampleDialog({ botId: 'b'.repeat(MAX_STRING) })],
  ])('returns what the ValidationPipe returns for %s', async (_, body) => {
    const fast = DialogCompleteDto.acceptValid(parsed(body));
    const slow = await throughPipe(body);
    expect(fast).toBeInstanceOf(DialogCompleteDto);
    // toEqual, not toStrictEqual: the latter compares `constructor`, here an entity of the body.
    expect(fast).toEqual(slow);
    expect(Object.keys(fast!)).toEqual(Object.keys(slow as object));
  });

  it.each([
    ['a missing field', sampleDialog({ intent: undefined })],
    ['an empty string', sampleDialog({ botId: '' })],
    ['a number for a string', sampleDialog({ status: 7 })],
    ['a string over the limit', sampleDialog({ conversationId: 'c'.repeat(MAX_STRING + 1) })],
    ['a day that does not exist', sampleDialog({ timestamp: '2026-02-30T10:00:00Z' })],
    ['a bad entity', sampleDialog({ entities: { a: { value: {} } } })],
    ['entities that are not an object', sampleDialog({ entities: [] })],
    ['metadata that is not an object', sampleDialog({ metadata: 'voice' })],
  ])('leaves %s to the ValidationPipe, which refuses it', async (_, body) => {
    expect(DialogCompleteDto.acceptValid(parsed(body))).toBeUndefined();
    await expect(throughPipe(body)).rejects.toBeInstanceOf(BadRequestException);
  });
});
