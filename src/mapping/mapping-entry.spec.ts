import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialogEvent, entities } from '../shared/dialog-completed-event.fixture';
import { MissingEntityError } from './mapping-errors';
import { MappingEntry } from './mapping-entry';
import { MappingDefinition, parseMappingsFile } from './mapping-definition';
import { PathTargetRules } from './mapping-rules';

const EXAMPLE = join(__dirname, '..', '..', 'mappings', 'example.json');

function exampleStrategy(): MappingEntry {
  const [definition] = parseMappingsFile(EXAMPLE, readFileSync(EXAMPLE, 'utf8'), new PathTargetRules('generic'));
  return new MappingEntry(definition);
}

const callback = (spec: Record<string, string | [string, number]>, metadata: Record<string, unknown> = {}) =>
  dialogEvent({
    intent: 'schedule_callback',
    entities: entities(spec),
    metadata,
    timestamp: '2026-11-26T11:15:00+01:00',
  });

describe('MappingEntry with mappings/example.json', () => {
  const strategy = exampleStrategy();

  it('names the intent of the event it maps in the upsert', () => {
    expect(strategy.map(callback({ callbackId: 'CB-1' })).intent).toBe('schedule_callback');
  });

  it('maps entity, metadata, event and literal sources', () => {
    const upsert = strategy.map(
      callback({ callbackId: ['CB-9', 0.9], phone: ['+49 30 1234', 0.8] }, { channel: 'voice', other: 1 }),
    );
    expect(upsert).toEqual({
      intent: 'schedule_callback',
      objectType: 'callback',
      method: 'POST',
      path: '/api/v2/callbacks/upsert',
      externalId: 'CB-9',
      body: {
        external_id: 'CB-9',
        phone: '+49 30 1234',
        channel: 'voice',
        requested_at: '2026-11-26T10:15:00.000Z',
        source: 'cognigy_ai',
      },
    });
  });

  it('drops a field whose entity is below minConfidence, keeps one exactly at it', () => {
    expect(strategy.map(callback({ callbackId: ['CB-9', 0.9], phone: ['+49', 0.49] })).body).not.toHaveProperty(
      'phone',
    );
    expect(strategy.map(callback({ callbackId: ['CB-9', 0.9], phone: ['+49', 0.5] })).body).toHaveProperty(
      'phone',
      '+49',
    );
  });

  it('leaves out absent and empty entities and missing metadata', () => {
    const { body } = strategy.map(callback({ callbackId: ['CB-9', 0.9], phone: ['', 1] }, { language: 'de' }));
    expect(body).toEqual({ external_id: 'CB-9', requested_at: '2026-11-26T10:15:00.000Z', source: 'cognigy_ai' });
  });

  it.each([
    ['absent', {}],
    ['empty', { callbackId: ['', 1] as [string, number] }],
    ['below minConfidence', { callbackId: ['CB-9', 0.2] as [string, number] }],
  ])('an id entity that is %s is a MissingEntityError', (_case, spec) => {
    expect(() => strategy.map(callback(spec))).toThrow(MissingEntityError);
    expect(() => strategy.map(callback(spec))).toThrow('Missing required entity: callbackId');
  });
});

describe('MappingEntry sources', () => {
  const definition = (fields: MappingDefinition['fields'], minConfidence = 0): MappingDefinition => ({
    intent: 'order_status',
    objectType: 'order',
    path: '/api/v2/orders/upsert',
    idEntity: 'orderId',
    minConfidence,
    fields,
  });
  const event = dialogEvent({
    intent: 'order_status',
    conversationId: 'conv-1',
    botId: 'bot-7',
    status: 'completed',
    timestamp: '2026-11-26T10:00:00Z',
    entities: entities({ orderId: 'O-1' }),
    metadata: { customer: { address: { city: 'Berlin', zip: null }, tier: 0 }, flag: false, list: ['a'] },
  });

  it('follows a metadata dot path, keeping falsy values but leaving out missing and null ones', () => {
    const { body } = new MappingEntry(
      definition({
        city: { metadata: 'customer.address.city' },
        tier: { metadata: 'customer.tier' },
        flag: { metadata: 'flag' },
        zip: { metadata: 'customer.address.zip' },
        street: { metadata: 'customer.address.street' },
        deep: { metadata: 'customer.address.city.name' },
        proto: { metadata: 'customer.constructor' },
        nothing: { metadata: 'missing.path' },
      }),
    ).map(event);
    expect(body).toEqual({ city: 'Berlin', tier: 0, flag: false });
  });

  it('maps each event field, normalising only the timestamp', () => {
    const { body } = new MappingEntry(
      definition({
        t: { event: 'timestamp' },
        c: { event: 'conversationId' },
        b: { event: 'botId' },
        s: { event: 'status' },
        i: { event: 'intent' },
      }),
    ).map({ ...event, timestamp: '2026-11-26T10:00:00' });
    expect(body).toEqual({ t: '2026-11-26T10:00:00.000Z', c: 'conv-1', b: 'bot-7', s: 'completed', i: 'order_status' });
  });

  it('sends literals unchanged, whatever their type', () => {
    const { body } = new MappingEntry(
      definition({ s: { literal: 'x' }, n: { literal: 0 }, f: { literal: false } }),
    ).map(event);
    expect(body).toEqual({ s: 'x', n: 0, f: false });
  });

  it('keeps the file field order and maps the same event to identical bytes every time', () => {
    const strategy = new MappingEntry(
      definition({ z: { literal: 1 }, a: { entity: 'orderId' }, m: { event: 'timestamp' } }),
    );
    const first = JSON.stringify(strategy.map(event).body);
    expect(first).toBe('{"z":1,"a":"O-1","m":"2026-11-26T10:00:00.000Z"}');
    expect(JSON.stringify(strategy.map(event).body)).toBe(first);
  });
});

describe('MappingEntry bind sources (Dataverse lookups)', () => {
  const ticket = new MappingEntry({
    intent: 'log_support_ticket',
    objectType: 'ticket',
    object: 'incidents',
    idField: 'cognigy_ticketid',
    idEntity: 'ticketId',
    minConfidence: 0.5,
    fields: {
      'customerid_contact@odata.bind': {
        bind: { entitySet: 'contacts', key: 'cognigy_customerid', entity: 'customerId' },
      },
    },
  });
  const mapped = (spec: Record<string, string | [string, number]>) =>
    ticket.map(dialogEvent({ intent: 'log_support_ticket', entities: entities({ ticketId: 'T-1', ...spec }) })).body;

  it("renders /<entitySet>(<key>='<value>') with the connector's key quoting", () => {
    expect(mapped({ customerId: ["O'Brien #1", 0.9] })).toEqual({
      'customerid_contact@odata.bind': "/contacts(cognigy_customerid='O''Brien%20%231')",
    });
  });

  it.each([
    ['absent', {}],
    ['empty', { customerId: ['', 1] as [string, number] }],
    ['below minConfidence', { customerId: ['C-1', 0.4] as [string, number] }],
  ])('leaves the field out when the entity is %s', (_case, spec) => {
    expect(mapped(spec)).toEqual({});
  });
});
