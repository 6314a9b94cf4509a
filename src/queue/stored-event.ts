import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';

export type EventState = 'queued' | 'delivered' | 'dead' | 'stale';
export const EVENT_STATES: readonly EventState[] = ['queued', 'delivered', 'dead', 'stale'];

/** The target of a store without routing, and of every delivery the previous release stored. */
export const DEFAULT_TARGET = 'default';
/** The source of the unnamed webhook routes, and of every event the previous release stored. */
export const DEFAULT_SOURCE = 'default';

/** One target of an event's route and the upsert its mappings made for it. */
export interface PlannedDelivery {
  target: string;
  upsert: CrmUpsert;
}

/**
 * What the webhook hands over: the normalised event and the CRM request it maps to, for each
 * target of its route (`deliveries`), or for the target `default` alone (`upsert`).
 */
export interface NewEvent {
  eventId: string;
  event: DialogCompletedEvent;
  upsert: CrmUpsert;
  /** Event time in epoch milliseconds (orders events of one record). */
  eventTime: number;
  /** Receipt time in epoch milliseconds. */
  receivedAt: number;
  requestId: string;
  /**
   * SHA-256 hex of the raw request body. A later event with a byte-identical body within the dedup
   * window is a duplicate of this one whatever its id: the id headers are not signed in hmac mode.
   */
  bodyHash?: string;
  /** The trace the event was stored in (tracing on): its deliveries join it. */
  trace?: StoredTraceContext;
  /** The source it arrived on; `default` when unset. */
  source?: string;
  /**
   * One delivery per target, in route order (at least one, each target once); unset: one delivery
   * of `upsert` to `default`. When set, `upsert` is its first delivery's.
   */
  deliveries?: PlannedDelivery[];
}

/**
 * The W3C trace context (https://www.w3.org/TR/trace-context/) of the span that stored an event,
 * as its `traceparent` and `tracestate` headers would carry it.
 */
export interface StoredTraceContext {
  traceparent: string;
  tracestate?: string;
}

/**
 * One delivery of an event: the event's fields, the upsert for one target and that delivery's
 * state. An event routed to several targets is stored as one of these per target.
 */
export interface StoredEvent extends Omit<NewEvent, 'deliveries'> {
  /** Absent for the target `default` (`targetOf` reads it). */
  target?: string;
  state: EventState;
  attempts: number;
  /** How often an operator replayed it from the dead letters. */
  replays: number;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
  /** The CRM's own id of the record, when its answer to the delivery gave one. */
  crmRecordId: string | null;
  /** Whether the delivery created the record (false: updated; null: the CRM did not say). */
  created: boolean | null;
  deliveredAt: number | null;
  failedAt: number | null;
}

/** The target of a stored delivery. */
export const targetOf = (delivery: Pick<StoredEvent, 'target'>): string => delivery.target ?? DEFAULT_TARGET;

/** The source a stored event arrived on. */
export const sourceOf = (event: Pick<StoredEvent, 'source'>): string => event.source ?? DEFAULT_SOURCE;

/**
 * What a stored delivery says of its route: nothing for the `default` target and source (so a store
 * without routing answers exactly as before), else the names.
 */
export function routeOf(target: string, source: string): Pick<StoredEvent, 'target' | 'source'> {
  return {
    ...(target === DEFAULT_TARGET ? {} : { target }),
    ...(source === DEFAULT_SOURCE ? {} : { source }),
  };
}

/** The deliveries `event` asks for: its planned ones, or one of its upsert to `default`. */
export function plannedDeliveries(event: NewEvent): PlannedDelivery[] {
  return event.deliveries ?? [{ target: DEFAULT_TARGET, upsert: event.upsert }];
}

/**
 * An event's state, derived from its deliveries: dead when any is dead, else queued when any is
 * queued, else delivered when any is delivered (a stale one beside it is done too), else stale.
 */
export function eventStateOf(deliveries: ReadonlyArray<Pick<StoredEvent, 'state'>>): EventState {
  for (const state of ['dead', 'queued', 'delivered'] as const) {
    if (deliveries.some((d) => d.state === state)) return state;
  }
  return 'stale';
}

/** A claimed event: held by this instance until it is marked. */
export interface ClaimedEvent extends StoredEvent {
  /** An event newer than this one was already delivered for the same record. */
  stale: boolean;
}

/**
 * Whether `enqueue` stored the event or recognised it from the dedup window, by its id or by its
 * body; `eventId` is the event it was recognised as (the first one accepted with that body).
 */
export interface EnqueueResult {
  outcome: 'accepted' | 'duplicate';
  eventId: string;
}

/** What the store keeps of a delivery's last CRM answer. */
export interface AttemptResult {
  /** HTTP status of the last CRM answer, if any. */
  status: number | null;
  error: string | null;
  /** What a delivered answer told about the record (kept with the delivered event). */
  crmRecordId?: string | null;
  created?: boolean | null;
}

/** One CRM request made for an event (or a failed token request, which counts as one). */
export interface AttemptRecord {
  /** When the request was sent, epoch milliseconds. */
  at: number;
  /** HTTP status of the answer; null for a timeout, a network or a token failure. */
  status: number | null;
  /** `timeout`, `network`, or an excerpt of the failure; null for a success. */
  error: string | null;
  durationMs: number;
}

/** Filters of the operators' event search; at least one is set. Each matches a delivery. */
export interface EventSearch {
  conversationId?: string;
  externalId?: string;
  state?: EventState;
  intent?: string;
  source?: string;
  target?: string;
}

export interface DeadLetterFilter {
  source?: string;
  target?: string;
  intent?: string;
  objectType?: string;
  lastStatus?: number;
  /** Epoch milliseconds, inclusive. */
  failedAfter?: number;
  /** Epoch milliseconds, exclusive. */
  failedBefore?: number;
}

export interface EventPage {
  items: StoredEvent[];
  /** Continues the listing; a page may hold fewer items than asked (see the drivers' scan budget). */
  nextCursor: string | null;
}

/** Delivered and dead-lettered events of one minute. */
export interface MinuteActivity {
  /** Start of the minute, epoch milliseconds. */
  minute: number;
  delivered: number;
  deadLettered: number;
}

export interface StoreActivity {
  /** Oldest first, every minute of the window, zeros included. */
  perMinute: MinuteActivity[];
  /** Receipt time of the oldest queued event, or null when nothing is queued. */
  oldestQueuedAt: number | null;
}

export type DeadLetterPage = EventPage;
