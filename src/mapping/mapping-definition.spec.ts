import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MappingsFileError, parseMappingsFile as parseWith } from './mapping-definition';
import { MappingRules, PathTargetRules, RecordTargetRules } from './mapping-rules';

const EXAMPLE = join(__dirname, '..', '..', 'mappings', 'example.json');
/** The rules of a connector mapping to paths (the default connector's). */
const PATHS = new PathTargetRules('generic');
const parseMappingsFile = (file: string, text: string, rules: MappingRules = PATHS) => parseWith(file, text, rules);

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

  it('refuses a bind source under a connector without lookups by key, naming the field', () => {
    const bind = { bind: { entitySet: 'contacts', key: 'cognigy_customerid', entity: 'customerId' } };
    const contact = {
      ...entry({ fields: { 'c@odata.bind': bind } }),
      path: undefined,
      object: 'Contact',
      idField: 'Id__c',
    };
    const salesforce = new RecordTargetRules('salesforce');
    expect(() => parseMappingsFile('m.json', JSON.stringify({ mappings: [contact] }), salesforce)).toThrow(
      'mappings[0] (schedule_callback).fields.c@odata.bind.bind: not with CRM_CONNECTOR=salesforce, which has no lookups by key',
    );
    expect(refusal({ mappings: [entry({ fields: { 'x@odata.bind': bind } })] }).message).toContain(
      'fields.x@odata.bind.bind: not with CRM_CONNECTOR=generic, which has no lookups by key',
    );
  });
});
