import { IntersectionType } from '@nestjs/mapped-types';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { EVENT_STATES, EventState } from '../queue/stored-event';

const CURSOR = { message: 'cursor must be a cursor returned by this API' };
const TEXT_MAX = 10_000;

class PageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 50;

  @IsOptional()
  @IsString()
  @Matches(/^\d{1,19}$/, CURSOR)
  cursor?: string;
}

/** The dead-letter filters, shared by the list and the bulk replay. */
export class DeadLetterFilterQuery {
  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX)
  intent?: string;

  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX)
  objectType?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(599)
  lastStatus?: number;

  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'failedAfter must be an ISO-8601 time' })
  failedAfter?: string;

  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'failedBefore must be an ISO-8601 time' })
  failedBefore?: string;
}

export class DeadLetterQuery extends IntersectionType(PageQuery, DeadLetterFilterQuery) {}

export class ReplayQuery extends DeadLetterFilterQuery {
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'dryRun must be true or false' })
  dryRun?: 'true' | 'false';
}

const SEARCH_FILTERS = ['conversationId', 'externalId', 'state', 'intent'] as const;
const noFilter = (query: EventSearchQuery) => SEARCH_FILTERS.every((name) => query[name] === undefined);

export class EventSearchQuery extends PageQuery {
  // Not optional while every filter is missing: then it names them all in its 400.
  @ValidateIf((query: EventSearchQuery) => noFilter(query) || query.conversationId !== undefined)
  @IsDefined({ message: `at least one of ${SEARCH_FILTERS.join(', ')} is required` })
  @IsString()
  @MaxLength(TEXT_MAX)
  conversationId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX)
  externalId?: string;

  @IsOptional()
  @IsIn(EVENT_STATES, { message: `state must be one of ${EVENT_STATES.join(', ')}` })
  state?: EventState;

  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX)
  intent?: string;
}

/** Query times to epoch milliseconds for the store. */
export function deadLetterFilter(query: DeadLetterFilterQuery) {
  return {
    intent: query.intent,
    objectType: query.objectType,
    lastStatus: query.lastStatus,
    failedAfter: query.failedAfter === undefined ? undefined : Date.parse(query.failedAfter),
    failedBefore: query.failedBefore === undefined ? undefined : Date.parse(query.failedBefore),
  };
}
