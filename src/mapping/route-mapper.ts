import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';

/** One target of an event's route and the upsert that target's mappings made of the event. */
export interface RoutedUpsert {
  target: string;
  upsert: CrmUpsert;
}

/** What the webhook uses, with a routing file, to map an event for each target of its route. */
export abstract class RouteMapper {
  /**
   * The route of `source` for the event's intent (else its `*` route), the event mapped once per
   * target, in route order. Throws UnsupportedIntentError when no route of the source takes the
   * intent, or the first mapping error of a target (nothing is mapped for some targets only).
   */
  abstract map(source: string, event: DialogCompletedEvent): RoutedUpsert[];
}
