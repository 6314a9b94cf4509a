import { ChangeRendering } from './change-rendering';
import { MappingRules } from './mapping-rules';

/** What one connector asks of mappings and how it writes a strategy's change. */
export interface ConnectorMapping {
  rules: MappingRules;
  rendering: ChangeRendering;
}

/**
 * Each connector's mapping rules and rendering by its name, for the routing file's targets (each
 * its own connector). The composition root provides them from the Crm module's registry, as it
 * provides the chosen connector's MappingRules and ChangeRendering.
 */
export abstract class ConnectorMappings {
  abstract of(connector: string): ConnectorMapping;
}
