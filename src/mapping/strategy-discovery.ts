import { DiscoveryService } from '@nestjs/core';
import { IntentMapping, IntentStrategy } from './intent-strategy';
import { isLogicalObject, LOGICAL_FIELDS } from './record-change';

export class StrategyRegistryError extends Error {
  constructor(problem: string) {
    super(`Intent strategies: ${problem}`);
    this.name = 'StrategyRegistryError';
  }
}

/** Every `@IntentMapping` provider found through DI, by intent, each checked to be a usable strategy. */
export function discoverStrategies(discovery: DiscoveryService): Map<string, IntentStrategy> {
  const found = new Map<string, IntentStrategy>();
  for (const wrapper of discovery.getProviders({ metadataKey: IntentMapping.KEY })) {
    const intent = discovery.getMetadataByDecorator(IntentMapping, wrapper);
    const strategy = wrapper.instance as IntentStrategy;
    const name = wrapper.metatype?.name ?? String(wrapper.token);
    if (!intent) throw new StrategyRegistryError(`${name} has no intent`);
    if (typeof strategy?.map !== 'function') {
      throw new StrategyRegistryError(`${name} (${intent}) has no map() method`);
    }
    // Read as written: a strategy in plain JavaScript may name anything.
    const objectType: unknown = strategy.objectType;
    if (typeof objectType !== 'string' || objectType === '') {
      throw new StrategyRegistryError(`${name} (${intent}) names no objectType`);
    }
    if (!isLogicalObject(objectType)) {
      const logical = Object.keys(LOGICAL_FIELDS).join(' or ');
      throw new StrategyRegistryError(
        `${name} (${intent}) makes "${objectType}" changes; a strategy changes a ${logical}, which every connector writes (map other records in MAPPINGS_FILE)`,
      );
    }
    if (found.has(intent)) throw new StrategyRegistryError(`intent "${intent}" has two strategies`);
    found.set(intent, strategy);
  }
  return found;
}
