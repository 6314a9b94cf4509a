import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsEntityMap, IsEventTime, IsMetadata, MAX_STRING } from './validators';

export type RawEntities = Record<string, { value: string | number | boolean; confidence?: number }>;

/** The body of `POST /webhooks/cognigy/dialog-complete` (SPEC §3.1). */
export class DialogCompleteDto {
  @IsString() @IsNotEmpty() @MaxLength(MAX_STRING)
  conversationId: string;

  @IsString() @IsNotEmpty() @MaxLength(MAX_STRING)
  botId: string;

  @IsString() @IsNotEmpty() @MaxLength(MAX_STRING)
  status: string;

  @IsString() @IsNotEmpty() @MaxLength(MAX_STRING)
  intent: string;

  @IsOptional() @IsEntityMap()
  entities?: RawEntities;

  @IsString() @MaxLength(MAX_STRING) @IsEventTime()
  timestamp: string;

  @IsOptional() @IsMetadata()
  metadata?: Record<string, unknown>;
}
