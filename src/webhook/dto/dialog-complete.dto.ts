import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { MAX_STRING } from './body-limits';
import { IsEntityMap, IsEventTime, IsMetadata } from './validators';

export type RawEntities = Record<string, { value: string | number | boolean; confidence?: number }>;

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
  @IsEntityMap()
  entities?: RawEntities;

  /** The event time: at most WEBHOOK_MAX_FUTURE_SECONDS ahead of its receipt */
  @IsString()
  @MaxLength(MAX_STRING)
  @IsEventTime()
  timestamp: string;

  @IsOptional()
  @IsMetadata()
  metadata?: Record<string, unknown>;
}
