import { EventState } from './stored-event';

/** What health checks and metrics ask of the store. */
export abstract class StoreHealth {
  /** Throws when the store cannot currently be written. */
  abstract checkWritable(): Promise<void>;
  abstract countByState(): Promise<Record<EventState, number>>;
}
