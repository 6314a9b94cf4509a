import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';
import { MappingTarget } from './intent-mapper';

/** One target of an event's route and the upsert that target's mappings made of the event. */
export interface RoutedUpsert {
  target: string;
  upsert: CrmUpsert;
}

/** What the routes deliver to one target: the intents they send there, mapped by that target's mappings. */
export interface TargetMappings {
  target: string;
  /** Every `objectType` of those intents, once each (the `object` label of the target's series). */
  objectTypes: string[];
  /** The CRM object and id field each of them writes (connectors mapping to records), once each. */
  records: MappingTarget[];
}

/** What the webhook uses, with a routing file, to map an event for each target of its route. */
export abstract class RouteMapper {
  /**
   * The route of `source` for the event's intent (else its `*` route), the event mapped once per
   * target, in route order. Throws UnsupportedIntentError when no route of the source takes the
   * intent, or the first mapping error of a target (nothing is mapped for some targets only).
   */
  abstract map(source: string, event: DialogCompletedEvent): RoutedUpsert[];

  /**
   * Every target of the routing, in its order, with what its routes take there (a target no route
   * names: nothing). Without a routing file, the one target `default` with IntentMapper's mappings.
   */
  abstract targetMappings(): TargetMappings[];
}
