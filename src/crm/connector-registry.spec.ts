import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMappingsFile } from '../mapping/mapping-definition';
import { MappingEntry } from '../mapping/mapping-entry';
import { LOGICAL_FIELDS, LogicalObject } from '../mapping/record-change';
import { CONNECTORS, ConnectorChoiceError, connectorNamed } from './connector-registry';
import {
  BARE_CONTACT,
  BARE_TICKET,
  FULL_CONTACT,
  FULL_TICKET,
  renderedBuiltIn,
} from './connectors/record-change.fixture';

const example = (name: string) => join(__dirname, '..', '..', 'mappings', `${name}.example.json`);

describe('the connector registry', () => {
  it('lists each connector once, by the name CRM_CONNECTOR gives', () => {
    const names = CONNECTORS.map(({ name }) => name);
    expect(names).toEqual(['generic', 'salesforce', 'dataverse', 'hubspot', 'zendesk', 'servicenow']);
    for (const name of names) expect(connectorNamed(name).name).toBe(name);
    expect(() => connectorNamed('siebel')).toThrow(ConnectorChoiceError);
  });

  it('gives each connector the mapping rules its shipped example keeps to', () => {
    for (const { name, mappingRules } of CONNECTORS.filter(({ mappingRules }) => !mappingRules.mapsToPaths)) {
      const file = example(name);
      const intents = parseMappingsFile(file, readFileSync(file, 'utf8'), mappingRules).map((m) => m.intent);
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

  it('renders the built-in intents, without a mappings file, exactly as its shipped example maps them', () => {
    for (const { name, mappingRules, rendering } of CONNECTORS.filter(
      ({ mappingRules }) => !mappingRules.mapsToPaths,
    )) {
      const entries = parseMappingsFile(example(name), readFileSync(example(name), 'utf8'), mappingRules);
      for (const event of [FULL_CONTACT, FULL_TICKET, BARE_CONTACT, BARE_TICKET]) {
        const entry = new MappingEntry(entries.find((e) => e.intent === event.intent)!);
        expect({ name, upsert: renderedBuiltIn(rendering, event) }).toEqual({ name, upsert: entry.map(event) });
      }
    }
  });

  it('writes every logical record to a CRM object and id field its own mapping rules accept', () => {
    for (const { name, mappingRules, rendering } of CONNECTORS.filter(
      ({ mappingRules }) => !mappingRules.mapsToPaths,
    )) {
      for (const objectType of Object.keys(LOGICAL_FIELDS) as LogicalObject[]) {
        const { object, idField } = rendering.targetOf(objectType) ?? {};
        expect({ name, objectType, problems: mappingRules.targetProblems('default', { object, idField }) }).toEqual({
          name,
          objectType,
          problems: [],
        });
      }
    }
  });
});
