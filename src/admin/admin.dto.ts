import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { StoredEvent } from '../queue/stored-event';

export class DeadLetterQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit = 50;

  @IsOptional() @IsString() @Matches(/^\d{1,19}$/, { message: 'cursor must be a cursor returned by this API' })
  cursor?: string;
}

export class ReplayQuery {
  @IsOptional() @IsString() @MaxLength(10_000)
  intent?: string;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function deadLetterView(event: StoredEvent) {
  return {
    eventId: event.eventId,
    intent: event.upsert.intent,
    objectType: event.upsert.objectType,
    externalId: event.upsert.externalId,
    attempts: event.attempts,
    lastStatus: event.lastStatus,
    lastError: event.lastError,
    failedAt: iso(event.failedAt),
  };
}

export function eventView(event: StoredEvent) {
  return {
    eventId: event.eventId,
    state: event.state,
    intent: event.upsert.intent,
    objectType: event.upsert.objectType,
    externalId: event.upsert.externalId,
    attempts: event.attempts,
    lastStatus: event.lastStatus,
    lastError: event.lastError,
    receivedAt: iso(event.receivedAt),
    deliveredAt: iso(event.deliveredAt),
  };
}
