import { DeliveryQueue } from './delivery-queue';
import { EventIntake } from './event-intake';
import { OperatorEvents } from './operator-events';
import { StoreHealth } from './store-health';

/** What each driver provides: one object per port, over one storage. */
export interface EventStoreDriver {
  readonly intake: EventIntake;
  readonly delivery: DeliveryQueue;
  readonly operators: OperatorEvents;
  readonly health: StoreHealth;
}
