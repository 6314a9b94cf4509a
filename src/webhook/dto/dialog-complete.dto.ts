import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { FreeForm, freeFormValue } from './free-form';
import {
  entityProblems,
  IsEntityMap,
  IsEventTime,
  isEventTime,
  IsMetadata,
  MAX_STRING,
  metadataProblems,
} from './validators';

export type RawEntities = Record<string, { value: string | number | boolean; confidence?: number }>;

/** Its free-form objects: their keys are kept exactly as sent. */
export const DIALOG_COMPLETE_FREE_FORM = ['entities', 'metadata'] as const;

/** The body of `POST /webhooks/cognigy/dialog-complete`. */
export class DialogCompleteDto {
  /** The conversation (part of the derived event id) */
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_STRING)
  conversationId: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_STRING)
  botId: string;

  /** The dialog's outcome, e.g. completed */
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_STRING)
  status: string;

  /** A mapped intent (else 422) */
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_STRING)
  intent: string;

  @IsOptional()
  @FreeForm()
  @IsEntityMap()
  entities?: RawEntities;

  /** The event time: at most WEBHOOK_MAX_FUTURE_SECONDS ahead of its receipt */
  @IsString()
  @MaxLength(MAX_STRING)
  @IsEventTime()
  timestamp: string;

  @IsOptional()
  @FreeForm()
  @IsMetadata()
  metadata?: Record<string, unknown>;

  /**
   * The DTO the ValidationPipe would make of a body that passes every rule above, found without
   * class-validator and class-transformer (about an eighth of a webhook's CPU on this hot route);
   * undefined when any rule might fail, so every refusal and its messages still come from the pipe.
   */
  static acceptValid(body: Record<string, unknown>): DialogCompleteDto | undefined {
    const { conversationId, botId, status, intent, timestamp } = body;
    const entities = freeFormValue(body, 'entities');
    const metadata = freeFormValue(body, 'metadata');
    const valid =
      isFilledString(conversationId) &&
      isFilledString(botId) &&
      isFilledString(status) &&
      isFilledString(intent) &&
      typeof timestamp === 'string' &&
      timestamp.length <= MAX_STRING &&
      isEventTime(timestamp) &&
      (entities == null || entityProblems(entities, 'entities').length === 0) &&
      (metadata == null || metadataProblems(metadata, 'metadata').length === 0);
    if (!valid) return undefined;
    return Object.assign(new DialogCompleteDto(), {
      conversationId,
      botId,
      status,
      intent,
      entities: entities as RawEntities | undefined,
      timestamp,
      metadata: metadata as Record<string, unknown> | undefined,
    });
  }
}

/** `@IsString() @IsNotEmpty() @MaxLength(MAX_STRING)`, or stricter: MaxLength counts a surrogate pair once. */
function isFilledString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_STRING;
}
