import { CrmUpsert } from '../shared/dialog-completed-event';
import { MappingTarget } from './intent-mapper';
import { LogicalObject, RecordChange } from './record-change';

/** Where a logical record is written at the CRM, as `npm run crm:check` reads it. */
export type RecordTarget = Omit<MappingTarget, 'intent'>;

/**
 * How the chosen connector writes a strategy's record change: onto its CRM's objects and field
 * names, as the upsert stored with the event. Pure and deterministic: the change is rendered once,
 * at ingest, and every retry sends what was stored. The composition root provides the chosen
 * connector's rendering (its definition's `rendering`), as it does its MappingRules.
 */
export abstract class ChangeRendering {
  abstract render(change: RecordChange): CrmUpsert;

  /** The CRM object, id field and fields a logical record goes to; undefined for a request path. */
  abstract targetOf(objectType: LogicalObject): RecordTarget | undefined;
}
