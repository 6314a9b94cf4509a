import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { FreeForm } from './free-form';
import { IsEntityMap, IsEventTime, IsMetadata, MAX_STRING } from './validators';

export type RawEntities = Record<string, { value: string | number | boolean; confidence?: number }>;

/** Its free-form objects: their keys are kept exactly as sent. */
export const DIALOG_COMPLETE_FREE_FORM = ['entities', 'metadata'] as const;

/** The body of `POST /webhooks/cognigy/dialog-complete`. */
export class DialogCompleteDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_STRING)
  conversationId: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_STRING)
  botId: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_STRING)
  status: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_STRING)
  intent: string;

  @IsOptional()
  @FreeForm()
  @IsEntityMap()
  entities?: RawEntities;

  @IsString()
  @MaxLength(MAX_STRING)
  @IsEventTime()
  timestamp: string;

  @IsOptional()
  @FreeForm()
  @IsMetadata()
  metadata?: Record<string, unknown>;
}
