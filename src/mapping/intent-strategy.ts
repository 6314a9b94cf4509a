import { DiscoveryService } from '@nestjs/core';
import { DialogCompletedEvent } from '../shared/dialog-completed-event';
import { MissingEntityError } from './mapping-errors';
import { LogicalObject, RecordChange } from './record-change';

/**
 * Turns a dialog-completed event of its intent (named by its `@IntentMapping` only) into a change of
 * one record in no CRM's words; the chosen connector renders it. So a strategy works with every
 * connector, and a MAPPINGS_FILE entry for its intent replaces it.
 */
export interface IntentStrategy {
  /** The `objectType` of every change it makes (a metrics label: the series start at 0 for it). */
  readonly objectType: LogicalObject;
  /** Throws MissingEntityError when the id entity is absent. */
  map(event: DialogCompletedEvent): RecordChange;
}

/** Marks a provider as the strategy of one intent; MappingRegistry finds it at startup. */
export const IntentMapping = DiscoveryService.createDecorator<string>();

/** An entity's value, or undefined when it is absent, empty or below the confidence floor. */
export function entityValue(event: DialogCompletedEvent, name: string, minConfidence = 0): string | undefined {
  // Own entities only: a mapping naming `constructor` must not find Object.prototype's.
  const entity = Object.hasOwn(event.entities, name) ? event.entities[name] : undefined;
  if (!entity || entity.value === '' || entity.confidence < minConfidence) return undefined;
  return entity.value;
}

export function requireEntity(event: DialogCompletedEvent, name: string, minConfidence = 0): string {
  const value = entityValue(event, name, minConfidence);
  if (value === undefined) throw new MissingEntityError(name);
  return value;
}
