import { BadRequestException } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { EVENT_STATES, EventState } from '../queue/stored-event';
import { ApiDocs } from '../shared/api-docs';

const CURSOR = { message: 'cursor must be a cursor returned by this API' };
const TEXT_MAX = 10_000;

type Constructor = new (...args: any[]) => object;

/** A page of a list, newest first. */
class PageQuery {
  /** Page size */
  @ApiDocs((api) => [api.ApiPropertyOptional()]) // its default makes it optional
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit: number = 50;

  /** The nextCursor of the previous page */
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,19}$/, CURSOR)
  cursor?: string;
}

/** A name of the routing configuration (checked against it by RouteNames). */
const ROUTE_NAME_MAX = 200;

/** `base` with the `source` and `target` filters (names of the routing configuration). */
function withRouteFilters<Base extends Constructor>(base: Base) {
  class RouteFilterQuery extends base {
    /** Only deliveries of events that arrived on this source */
    @IsOptional()
    @IsString()
    @MaxLength(ROUTE_NAME_MAX)
    source?: string;

    /** Only deliveries to this target */
    @IsOptional()
    @IsString()
    @MaxLength(ROUTE_NAME_MAX)
    target?: string;
  }
  return RouteFilterQuery;
}

/**
 * One delivery of an event: its target (unset: every delivery of the event). Not validated here: a
 * name the configuration does not hold is no delivery of the event, a 404 naming the targets.
 */
export class DeliveryQuery {
  /** Only the delivery to this target */
  @IsOptional()
  target?: string;
}

/**
 * `base` with the dead-letter filters, which the list and the bulk replay share (a class of its
 * own each, so that each keeps its own other parameters).
 */
function withDeadLetterFilters<Base extends Constructor>(base: Base) {
  class DeadLetterFilterQuery extends withRouteFilters(base) {
    /** Only this intent */
    @IsOptional()
    @IsString()
    @MaxLength(TEXT_MAX)
    intent?: string;

    /** Only this object type */
    @IsOptional()
    @IsString()
    @MaxLength(TEXT_MAX)
    objectType?: string;

    /** Only this last CRM status */
    @IsOptional()
    @Type(() => Number)
    @IsInt()
    @Min(100)
    @Max(599)
    lastStatus?: number;

    /** Failed at or after (ISO-8601) */
    @IsOptional()
    @IsISO8601({ strict: true }, { message: 'failedAfter must be an ISO-8601 time' })
    failedAfter?: string;

    /** Failed before (ISO-8601) */
    @IsOptional()
    @IsISO8601({ strict: true }, { message: 'failedBefore must be an ISO-8601 time' })
    failedBefore?: string;
  }
  return DeadLetterFilterQuery;
}

export class DeadLetterQuery extends withDeadLetterFilters(PageQuery) {}

export class ReplayQuery extends withDeadLetterFilters(Object) {
  /** true: count, change nothing */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'dryRun must be true or false' })
  dryRun?: 'true' | 'false';
}

const SEARCH_FILTERS = ['conversationId', 'externalId', 'state', 'intent'] as const;

/** `source` and `target` narrow a search; they do not make one on their own (see requireSearchFilter). */
export class EventSearchQuery extends withRouteFilters(PageQuery) {
  /** Conversation id */
  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX)
  conversationId?: string;

  /** The CRM record's external id */
  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX)
  externalId?: string;

  /** Event state */
  @IsOptional()
  @IsIn(EVENT_STATES, { message: `state must be one of ${EVENT_STATES.join(', ')}` })
  state?: EventState;

  /** Intent */
  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX)
  intent?: string;
}

/**
 * A search names at least one of SEARCH_FILTERS: a 400 saying so, alone, when it names none. Checked
 * on the validated query (a class-validator rule would sit on one filter and add its type rules'
 * messages to this one).
 */
export function requireSearchFilter(query: EventSearchQuery): void {
  if (SEARCH_FILTERS.every((name) => query[name] === undefined)) {
    throw new BadRequestException([`at least one of ${SEARCH_FILTERS.join(', ')} is required`]);
  }
}

/** Query times to epoch milliseconds for the store. */
export function deadLetterFilter(query: DeadLetterQuery | ReplayQuery) {
  return {
    source: query.source,
    target: query.target,
    intent: query.intent,
    objectType: query.objectType,
    lastStatus: query.lastStatus,
    failedAfter: query.failedAfter === undefined ? undefined : Date.parse(query.failedAfter),
    failedBefore: query.failedBefore === undefined ? undefined : Date.parse(query.failedBefore),
  };
}
