import { EnqueueResult, NewEvent } from './stored-event';

/**
 * The webhook's side of the store. `enqueue` resolves only once the event is durably committed,
 * and recognises an event id seen within the dedup window.
 */
export abstract class EventIntake {
  abstract enqueue(event: NewEvent): Promise<EnqueueResult>;
}
