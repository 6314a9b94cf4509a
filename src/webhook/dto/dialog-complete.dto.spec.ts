import { Transform } from 'class-transformer';
import { IsString } from 'class-validator';
import { WebhookBodyPipe } from './webhook-body.pipe';
import { InvalidPayloadError } from '../request/webhook-errors';
import { MAX_STRING } from './body-limits';
import { BodyValidator } from './body-validator';
import { DialogCompleteDto } from './dialog-complete.dto';
import { sampleDialog } from './dialog-complete.fixture';
import { EndpointOutputDto } from './endpoint-output.dto';

const pipe = new WebhookBodyPipe();
const through = (body: Record<string, unknown> | string) =>
  pipe.transform(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), {
    type: 'custom',
    metatype: DialogCompleteDto,
  }) as Promise<DialogCompleteDto>;

async function refusal(body: Record<string, unknown>): Promise<string[]> {
  const error: unknown = await through(body).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidPayloadError);
  return (error as InvalidPayloadError).details;
}

describe('DialogCompleteDto through the webhook body pipe', () => {
  it('accepts the documented sample as a DialogCompleteDto', async () => {
    const dto = await through(sampleDialog());
    expect(dto).toBeInstanceOf(DialogCompleteDto);
    expect(dto).toEqual(sampleDialog());
  });

  it('drops undeclared properties and keeps absent or null entities and metadata as sent', async () => {
    expect(await through(sampleDialog({ extra: 1, entities: null, metadata: undefined }))).toEqual(
      sampleDialog({ entities: null, metadata: undefined }),
    );
  });

  it('keeps entity keys named after Object.prototype members as own properties', async () => {
    const dto = await through(
      JSON.stringify(sampleDialog()).replace(
        '"entities":{',
        '"entities":{"__proto__":{"value":"a"},"constructor":{"value":1,"confidence":1},"toString":{"value":true},',
      ),
    );
    expect(Object.keys(dto.entities!)).toEqual(['__proto__', 'constructor', 'toString', 'customerId', 'newStatus']);
    expect(Object.getPrototypeOf(dto.entities)).toBe(Object.prototype);
    expect(dto.entities!.constructor).toEqual({ value: 1, confidence: 1 });
  });

  it('counts a string limit in characters as MaxLength does (a surrogate pair is one)', async () => {
    const dto = await through(sampleDialog({ botId: '😀'.repeat(MAX_STRING) }));
    expect(dto.botId).toHaveLength(2 * MAX_STRING);
    expect(await refusal(sampleDialog({ botId: 'b'.repeat(MAX_STRING + 1) }))).toEqual([
      `botId must be shorter than or equal to ${MAX_STRING} characters`,
    ]);
  });

  it("lists the DTO's problems, then those of the free-form objects, each its own message", async () => {
    expect(
      await refusal(
        sampleDialog({ intent: 7, entities: { a: { value: {} }, b: { value: 'x', confidence: 2 } }, metadata: [] }),
      ),
    ).toEqual([
      'intent must be shorter than or equal to 10000 characters',
      'intent must be a string',
      'entities.a.value must be a string, number or boolean',
      'entities.b.confidence must be a number between 0 and 1',
      'metadata must be an object',
    ]);
  });
});

describe('the fast path', () => {
  it('is derived for a flat DTO, and left out for one that nests others (the pipe then decides)', () => {
    expect(BodyValidator.of(DialogCompleteDto).accept).toBeDefined();
    expect(BodyValidator.of(EndpointOutputDto).accept).toBeUndefined();
  });

  it('is left out for a DTO whose values class-transformer changes', () => {
    class Trimmed {
      @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
      @IsString()
      name: string;
    }
    expect(BodyValidator.of(Trimmed).accept).toBeUndefined();
  });
});
