import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';

/** What other modules use to turn an event into its CRM upsert. */
export abstract class IntentMapper {
  /** Throws UnsupportedIntentError or MissingEntityError. */
  abstract map(event: DialogCompletedEvent): CrmUpsert;
  abstract intents(): string[];
  /** Every `objectType` the mapped intents produce, once each. */
  abstract objectTypes(): string[];
  /**
   * The CRM object and id field each intent writes (connectors mapping to records): as its file
   * entry names them, or its strategy's default record.
   */
  abstract targets(): MappingTarget[];
}

export interface MappingTarget {
  intent: string;
  object: string;
  idField: string;
  /** The CRM field names the mapping writes (a `/` nests, as in `user_fields/<key>`). */
  fields: string[];
  /** Fields that name another record by its key (an OData `@odata.bind`). */
  binds: Array<{ field: string; entitySet: string; key: string }>;
}
