import { Type } from 'class-transformer';
import {
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { EVENT_ID_PATTERN, MAX_EVENT_ID } from './body-limits';
import { RawEntities } from './dialog-complete.dto';
import { MAX_STRING } from './body-limits';
import { IsEntityMap, IsEventTime, IsMetadata } from './validators';

/** `AIOutput.data`: a dialog completion when it carries an intent. */
export class EndpointOutputDataDto {
  /** Present: the output is a dialog completion */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_STRING)
  intent?: string;

  @IsOptional()
  @IsEntityMap()
  entities?: RawEntities;

  /** Default: completed */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_STRING)
  status?: string;

  /** Default: the receipt time */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_STRING)
  @IsEventTime()
  timestamp?: string;

  /** Default: unknown */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_STRING)
  botId?: string;

  @IsOptional()
  @IsMetadata()
  metadata?: Record<string, unknown>;
}

export class AIOutputDto {
  @IsOptional()
  @IsString()
  @MaxLength(MAX_STRING)
  text?: string;

  /** With an intent, the output is a dialog completion; otherwise it is answered "ignored" */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => EndpointOutputDataDto)
  data?: EndpointOutputDataDto;

  /** The user input this output answers (every output of that input carries it); with `data`, the event id */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_EVENT_ID)
  @Matches(EVENT_ID_PATTERN, { message: '$property must be visible ASCII characters without spaces' })
  traceId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(MAX_STRING)
  source?: string;
}

/** What a Cognigy Webhook Endpoint posts for every bot output. */
export class EndpointOutputDto {
  @IsOptional()
  @IsString()
  @MaxLength(MAX_STRING)
  userId?: string;

  // "present" as fromEndpointOutput reads it: a null intent is plain output, answered "ignored".
  /** The conversation id; required when AIOutput.data.intent is present */
  @ValidateIf((o: EndpointOutputDto) => o.AIOutput?.data?.intent != null)
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_STRING)
  sessionId?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AIOutputDto)
  AIOutput?: AIOutputDto;
}
