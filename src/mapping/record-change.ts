/**
 * The records every connector writes without a mappings file, each with its logical fields: what
 * a strategy knows about a customer or a ticket, in no CRM's words. Each connector renders them
 * onto its CRM's objects and field names (its default records, docs/connectors.md).
 *
 * - contact: `status` (the customer's status), `notes`, `last_interaction` (ISO-8601 UTC);
 * - ticket: `priority`, `description` (the issue in the caller's words), `customer` (the external
 *   id of the contact the ticket is about, where the CRM links the two).
 */
export const LOGICAL_FIELDS = {
  contact: ['status', 'notes', 'last_interaction'],
  ticket: ['priority', 'description', 'customer'],
} as const;

export type LogicalObject = keyof typeof LOGICAL_FIELDS;

/** The logical field names of `O`. */
export type LogicalField<O extends LogicalObject> = (typeof LOGICAL_FIELDS)[O][number];

export const isLogicalObject = (name: unknown): name is LogicalObject =>
  typeof name === 'string' && Object.hasOwn(LOGICAL_FIELDS, name);

/** A change of a `O` record. */
export interface RecordChangeOf<O extends LogicalObject> {
  intent: string;
  /** The logical record: metrics label and, with the external id, the per-record order key. */
  objectType: O;
  externalId: string;
  /** Logical field → value; an absent (undefined) value is left out of what is sent, never sent empty. */
  fields: Partial<Record<LogicalField<O>, string>>;
}

/** What a strategy makes of an event: a change to one record, which the chosen connector renders. */
export type RecordChange = { [O in LogicalObject]: RecordChangeOf<O> }[LogicalObject];
