import { DeadLetterPage, StoredEvent } from './stored-event';

/** The operators' side of the store: look events up, and replay or delete dead letters. */
export abstract class OperatorEvents {
  abstract get(eventId: string): Promise<StoredEvent | null>;
  abstract listDead(limit: number, cursor?: string): Promise<DeadLetterPage>;
  /** Dead letter back to queued with attempts 0; false when it is not a dead letter. */
  abstract replayDead(eventId: string): Promise<boolean>;
  abstract replayAllDead(intent?: string): Promise<number>;
  abstract deleteDead(eventId: string): Promise<boolean>;
}
