import { DeliveryQueue } from './delivery-queue';
import { EventIntake } from './event-intake';
import { OperatorEvents } from './operator-events';
import { StoreHealth } from './store-health';

/** What each driver class implements: every port, over one storage. */
export type EventStoreDriver = EventIntake & DeliveryQueue & OperatorEvents & StoreHealth;
