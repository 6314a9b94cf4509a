import { ClaimedEvent } from '../../queue/stored-event';
import { CheckedMapping, MappingCheck } from './mapping-check';
import { EventVerdict } from './verdict';

/**
 * How a mapped upsert reaches one kind of CRM: the requests an event (or a batch of events of one
 * mapping) becomes, and the verdict for each answer. Token flow, breaker, retries, order, dead
 * letters and the store are shared and do not change per connector. Its name, batch limit,
 * settings, credential flow and mapping rules are in its definition (`ConnectorDefinition`).
 */
export abstract class CrmConnector {
  /** Delivers one event, or a batch of events of one mapping: one verdict per event, in order. */
  abstract deliver(events: ClaimedEvent[]): Promise<EventVerdict[]>;

  /** One harmless read telling whether a mapping's object and id field exist at the CRM. */
  abstract check(mapping: CheckedMapping): Promise<MappingCheck>;
}

/** Events of one mapping may share a request. */
export const batchKey = (event: ClaimedEvent): string => event.upsert.intent;

/** The idempotency key of an event, new after each operator replay (the CRM may have kept the failure). */
export function idempotencyKey(event: Pick<ClaimedEvent, 'eventId' | 'replays'>): string {
  return event.replays > 0 ? `cognigy-${event.eventId}-r${event.replays}` : `cognigy-${event.eventId}`;
}
