import { ClaimedEvent } from '../../queue/stored-event';
import { CrmUpsert, isRecordUpsert, PathUpsert, RecordUpsert } from '../../shared/dialog-completed-event';
import { CheckedMapping, MappingCheck } from './mapping-check';
import { deadVerdict, EventVerdict } from './verdict';

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

/** A claimed event whose upsert is of the kind `U`. */
export type Claimed<U extends CrmUpsert> = ClaimedEvent & { upsert: U };

const describeTarget = (upsert: CrmUpsert) =>
  isRecordUpsert(upsert) ? `the CRM record ${upsert.object}.${upsert.idField}` : `the request path ${upsert.path}`;

/**
 * A connector sending one kind of upsert. An event of the other kind (mapped under another
 * CRM_CONNECTOR before it was delivered) is dead-lettered unsent, saying why; the rest go to
 * `send`, their verdicts kept in the events' order.
 */
abstract class UpsertKindConnector<U extends CrmUpsert> extends CrmConnector {
  protected abstract accepts(upsert: CrmUpsert): upsert is U;
  protected abstract readonly sends: string;
  /** Delivers events of this connector's kind: one verdict per event, in order. */
  protected abstract send(events: Array<Claimed<U>>): Promise<EventVerdict[]>;

  async deliver(events: ClaimedEvent[]): Promise<EventVerdict[]> {
    const sendable = events.filter((event): event is Claimed<U> => this.accepts(event.upsert));
    const verdicts = sendable.length > 0 ? await this.send(sendable) : [];
    let next = 0;
    return events.map((event) => (this.accepts(event.upsert) ? verdicts[next++] : this.unsendable(event.upsert)));
  }

  private unsendable(upsert: CrmUpsert): EventVerdict {
    const why = `mapped to ${describeTarget(upsert)}, but CRM_CONNECTOR ${this.sends}: it needs the connector it was mapped for`;
    return { verdict: deadVerdict(null, why), attempts: 0, requests: [] };
  }
}

/** A connector that sends each upsert as it is stored: its method to its path. */
export abstract class PathConnector extends UpsertKindConnector<PathUpsert> {
  protected readonly sends = 'sends to request paths';

  protected accepts(upsert: CrmUpsert): upsert is PathUpsert {
    return !isRecordUpsert(upsert);
  }
}

/** A connector that upserts CRM records by external id, rendering each request itself. */
export abstract class RecordConnector extends UpsertKindConnector<RecordUpsert> {
  protected readonly sends = 'upserts CRM records';

  protected accepts(upsert: CrmUpsert): upsert is RecordUpsert {
    return isRecordUpsert(upsert);
  }
}

/** Events of one mapping may share a request, if they name one target (a mapping may change while events wait). */
export function batchKey({ upsert }: ClaimedEvent): string {
  const target = isRecordUpsert(upsert) ? [upsert.object, upsert.idField] : [upsert.method, upsert.path];
  return JSON.stringify([upsert.intent, ...target]);
}

/** The idempotency key of an event, new after each operator replay (the CRM may have kept the failure). */
export function idempotencyKey(event: Pick<ClaimedEvent, 'eventId' | 'replays'>): string {
  return event.replays > 0 ? `cognigy-${event.eventId}-r${event.replays}` : `cognigy-${event.eventId}`;
}
