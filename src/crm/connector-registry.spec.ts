import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMappingsFile } from '../mapping/mapping-definition';
import { CONNECTORS, ConnectorChoiceError, connectorNamed } from './connector-registry';

describe('the connector registry', () => {
  it('lists each connector once, by the name CRM_CONNECTOR gives', () => {
    const names = CONNECTORS.map(({ name }) => name);
    expect(names).toEqual(['generic', 'salesforce', 'dataverse', 'hubspot', 'zendesk']);
    for (const name of names) expect(connectorNamed(name).name).toBe(name);
    expect(() => connectorNamed('siebel')).toThrow(ConnectorChoiceError);
  });

  it('gives each connector the mapping rules its shipped example keeps to', () => {
    for (const { name, mappingRules } of CONNECTORS.filter(({ mappingRules }) => !mappingRules.mapsToPaths)) {
      const example = join(__dirname, '..', '..', 'mappings', `${name}.example.json`);
      const intents = parseMappingsFile(example, readFileSync(example, 'utf8'), mappingRules).map((m) => m.intent);
      expect({ name, intents: intents.sort() }).toEqual({
        name,
        intents: ['log_support_ticket', 'update_customer_profile'],
      });
    }
    const generic = join(__dirname, '..', '..', 'mappings', 'example.json');
    expect(
      parseMappingsFile(generic, readFileSync(generic, 'utf8'), connectorNamed('generic').mappingRules),
    ).toHaveLength(1);
  });
});
