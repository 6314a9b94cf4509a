import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CrmConnectorName } from '../config/environment';
import { MappingsFileError, parseMappingsFile } from './mapping-definition';

const EXAMPLE = join(__dirname, '..', '..', 'mappings', 'example.json');

/** A valid entry to break one piece at a time. */
const entry = (overrides: Record<string, unknown> = {}) => ({
  intent: 'schedule_callback',
  objectType: 'callback',
  path: '/api/v2/callbacks/upsert',
  idEntity: 'callbackId',
  fields: { external_id: { entity: 'callbackId' } },
  ...overrides,
});

function refusal(document: unknown, file = 'mappings.json'): MappingsFileError {
  const text = typeof document === 'string' ? document : JSON.stringify(document);
  try {
    parseMappingsFile(file, text);
  } catch (error) {
    expect(error).toBeInstanceOf(MappingsFileError);
    return error as MappingsFileError;
  }
  throw new Error(`expected ${text} to be refused`);
}

describe('parseMappingsFile', () => {
  it('parses the repository example file', () => {
    const definitions = parseMappingsFile(EXAMPLE, readFileSync(EXAMPLE, 'utf8'));
    expect(definitions).toEqual([
      {
        intent: 'schedule_callback',
        objectType: 'callback',
        path: '/api/v2/callbacks/upsert',
        idEntity: 'callbackId',
        minConfidence: 0.5,
        fields: {
          external_id: { entity: 'callbackId' },
          phone: { entity: 'phone' },
          channel: { metadata: 'channel' },
          requested_at: { event: 'timestamp' },
          source: { literal: 'cognigy_ai' },
        },
      },
    ]);
  });

  it('defaults minConfidence to 0 and accepts every source kind and literal type', () => {
    const [definition] = parseMappingsFile(
      'm.json',
      JSON.stringify({
        mappings: [
          entry({
            fields: {
              a: { entity: 'x' },
              b: { metadata: 'a.b.c' },
              c: { event: 'conversationId' },
              d: { literal: 3 },
              e: { literal: false },
            },
          }),
        ],
      }),
    );
    expect(definition.minConfidence).toBe(0);
    expect(Object.keys(definition.fields)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('accepts an empty mappings list', () => {
    expect(parseMappingsFile('m.json', '{"mappings": []}')).toEqual([]);
  });

  it('names the file in every refusal', () => {
    expect(refusal('{', '/etc/ccs/mappings.json').message).toContain('Invalid mappings file /etc/ccs/mappings.json');
  });

  it('refuses invalid JSON', () => {
    const error = refusal('{ "mappings": [ { "intent": "a", } ] }');
    expect(error.message).toMatch(/not valid JSON/);
  });

  it.each([['[]'], ['{}'], ['{"mappings": {}}'], ['null']])('refuses %s without a "mappings" array', (text) => {
    expect(refusal(text).message).toContain('must be an object with a "mappings" array');
  });

  it('refuses two entries for one intent, naming the intent', () => {
    const error = refusal({ mappings: [entry(), entry({ objectType: 'other' })] });
    expect(error.message).toContain('mappings[1]: intent "schedule_callback" is mapped twice');
  });

  it('refuses an unknown key in an entry, naming it', () => {
    const error = refusal({ mappings: [entry({ method: 'PUT' })] });
    expect(error.message).toContain('mappings[0] (schedule_callback): unknown key(s) method');
  });

  it('refuses an unknown top-level key, naming it', () => {
    expect(refusal({ mappings: [entry()], version: 2 }).message).toContain('unknown key(s) version');
  });

  it('refuses an unknown key in a field source, naming the field', () => {
    const error = refusal({ mappings: [entry({ fields: { phone: { entity: 'phone', default: '0' } } })] });
    expect(error.message).toContain('mappings[0] (schedule_callback).fields.phone: unknown key(s) default');
  });

  it.each([['api/v2/callbacks'], ['https://crm.example.com/api'], [''], [42]])(
    'refuses the path %p (not starting with "/")',
    (path) => {
      const error = refusal({ mappings: [entry({ path })] });
      expect(error.message).toContain('mappings[0] (schedule_callback).path: must be a string starting with "/"');
    },
  );

  it('refuses a missing path', () => {
    const { path: _path, ...withoutPath } = entry();
    expect(refusal({ mappings: [withoutPath] }).message).toContain('.path: must be a string starting with "/"');
  });

  it.each([
    ['no key at all', {}],
    ['an unknown key only', { from: 'phone' }],
    ['two sources', { entity: 'phone', literal: 'x' }],
    ['a string', 'phone'],
    ['null', null],
  ])('refuses a field without exactly one source (%s), naming the field', (_case, source) => {
    const error = refusal({ mappings: [entry({ fields: { external_id: { entity: 'callbackId' }, phone: source } })] });
    expect(error.message).toContain('fields.phone');
    expect(error.message).not.toContain('fields.external_id');
  });

  it.each([
    ['event', { event: 'receivedAt' }, '.event: must be one of timestamp, conversationId, botId, status, intent'],
    ['entity', { entity: '' }, '.entity: must be a non-empty string'],
    ['metadata', { metadata: 7 }, '.metadata: must be a non-empty string'],
    ['literal', { literal: { nested: true } }, '.literal: must be a string, number or boolean'],
  ])('refuses a bad %s source', (_kind, source, message) => {
    expect(refusal({ mappings: [entry({ fields: { f: source } })] }).message).toContain(`fields.f${message}`);
  });

  it.each([
    ['no fields', { fields: {} }, '.fields: must be an object with at least one field'],
    ['fields as a list', { fields: [{ entity: 'x' }] }, '.fields: must be an object with at least one field'],
    ['minConfidence above 1', { minConfidence: 1.5 }, '.minConfidence: must be a number between 0 and 1'],
    ['minConfidence as text', { minConfidence: '0.5' }, '.minConfidence: must be a number between 0 and 1'],
    ['an empty objectType', { objectType: ' ' }, '.objectType: must be a non-empty string'],
    ['no idEntity', { idEntity: undefined }, '.idEntity: must be a non-empty string'],
  ])('refuses %s', (_case, overrides, message) => {
    expect(refusal({ mappings: [entry(overrides)] }).message).toContain(message);
  });

  it('refuses an entry without an intent, naming its position', () => {
    expect(refusal({ mappings: [entry(), entry({ intent: '' })] }).message).toContain(
      'mappings[1].intent: must be a non-empty string',
    );
  });

  it('names every problem of the file in one message', () => {
    const error = refusal({
      mappings: [entry({ path: 'x' }), entry({ intent: 'b', extra: 1, fields: { f: {} } }), entry()],
    });
    const lines = error.message.split('\n').slice(1);
    expect(lines).toHaveLength(4);
    expect(error.message).toContain('mappings[0] (schedule_callback).path');
    expect(error.message).toContain('mappings[1] (b): unknown key(s) extra');
    expect(error.message).toContain('mappings[1] (b).fields.f');
    expect(error.message).toContain('mappings[2]: intent "schedule_callback" is mapped twice');
  });

  describe('bind sources', () => {
    const bind = { entitySet: 'contacts', key: 'cognigy_customerid', entity: 'customerId' };
    const incident = (fields: Record<string, unknown>) => ({
      mappings: [
        {
          intent: 'log_support_ticket',
          objectType: 'ticket',
          object: 'incidents',
          idField: 'cognigy_ticketid',
          idEntity: 'ticketId',
          fields,
        },
      ],
    });
    const refused = (document: unknown, connector: CrmConnectorName = 'dataverse') => {
      try {
        parseMappingsFile('m.json', JSON.stringify(document), connector);
      } catch (error) {
        return (error as MappingsFileError).message;
      }
      throw new Error('expected a refusal');
    };
    const field = 'mappings[0] (log_support_ticket).fields';

    it('accepts a bind under CRM_CONNECTOR=dataverse', () => {
      const [definition] = parseMappingsFile(
        'm.json',
        JSON.stringify(incident({ 'customerid_contact@odata.bind': { bind } })),
        'dataverse',
      );
      expect(definition.fields['customerid_contact@odata.bind']).toEqual({ bind });
    });

    it('refuses a bind under any other connector, naming the field', () => {
      expect(refused(incident({ 'customerid_contact@odata.bind': { bind } }), 'salesforce')).toContain(
        `${field}.customerid_contact@odata.bind.bind: only with CRM_CONNECTOR=dataverse (this is CRM_CONNECTOR=salesforce)`,
      );
      const generic = refused({ mappings: [entry({ fields: { 'x@odata.bind': { bind } } })] }, 'generic');
      expect(generic).toContain('only with CRM_CONNECTOR=dataverse (this is CRM_CONNECTOR=generic)');
    });

    it.each([
      ['a field not named <nav>@odata.bind', { customerid: { bind } }, '.customerid: a bind field is named'],
      ['a bind that is not an object', { 'c@odata.bind': { bind: 'contacts' } }, '.bind: must be an object'],
      ['an unknown bind key', { 'c@odata.bind': { bind: { ...bind, id: 1 } } }, '.bind: unknown key(s) id'],
      ['an entity set with a slash', { 'c@odata.bind': { bind: { ...bind, entitySet: '/contacts' } } }, '.entitySet'],
      ['a missing key', { 'c@odata.bind': { bind: { ...bind, key: undefined } } }, '.bind.key: must be a Dataverse'],
      ['an empty entity', { 'c@odata.bind': { bind: { ...bind, entity: '' } } }, '.bind.entity: must be a non-empty'],
    ])('refuses %s, naming the field', (_case, fields, message) => {
      expect(refused(incident(fields))).toContain(`${field}.`);
      expect(refused(incident(fields))).toContain(message);
    });
  });
});
