import { DefaultRecordRendering, DefaultRecords } from './default-records';
import { RecordChange } from './record-change';

const TABLE: DefaultRecords = {
  contact: {
    object: 'Person',
    idField: 'Key',
    fields: { 'Name/Last': { externalId: true }, Tier: { field: 'status' }, Kind: { literal: 'bot' } },
    unwritten: { notes: 'none', last_interaction: 'none' },
  },
  ticket: {
    path: '/issues',
    fields: {
      key: { externalId: true },
      text: { field: 'description' },
      level: { field: 'priority' },
      person: { bind: { entitySet: 'people', key: 'Key', field: 'customer' } },
    },
  },
};

/** A contact change with any fields, as a strategy in plain JavaScript may make one. */
const contact = (fields: Record<string, string | undefined>) =>
  ({ intent: 'i', objectType: 'contact', externalId: 'C-1', fields }) as unknown as RecordChange;

describe('DefaultRecordRendering', () => {
  const rendering = new DefaultRecordRendering(TABLE);

  it('writes each CRM field from its source in the table order, nesting at "/" for a record', () => {
    expect(rendering.render(contact({ status: 'gold' }))).toEqual({
      intent: 'i',
      objectType: 'contact',
      externalId: 'C-1',
      object: 'Person',
      idField: 'Key',
      body: { Name: { Last: 'C-1' }, Tier: 'gold', Kind: 'bot' },
    });
  });

  it('sends a path body flat, a bind quoted as an OData key, absent values left out', () => {
    const ticket: RecordChange = {
      intent: 't',
      objectType: 'ticket',
      externalId: 'T/1',
      fields: { description: 'a/b', customer: "O'B" },
    };
    const upsert = rendering.render(ticket);
    expect(upsert).toEqual({
      intent: 't',
      objectType: 'ticket',
      externalId: 'T/1',
      method: 'POST',
      path: '/issues',
      body: { key: 'T/1', text: 'a/b', person: "/people(Key='O''B')" },
    });
    expect(JSON.stringify(rendering.render(ticket))).toBe(JSON.stringify(upsert));
  });

  it('refuses a change of another record, or with a field its record does not have, naming it', () => {
    const pizza = { intent: 'p', objectType: 'pizza', externalId: 'P', fields: {} } as unknown as RecordChange;
    expect(() => rendering.render(pizza)).toThrow('a strategy made a change of "pizza"');
    expect(() => rendering.render(contact({ status: 'gold', tier: 'x' }))).toThrow(
      'a contact change has no field tier (its fields: status, notes, last_interaction)',
    );
  });

  it('refuses a table that leaves a logical field unplaced or places it twice, or writes the id field', () => {
    const unplaced = { ...TABLE, contact: { ...TABLE.contact, unwritten: { notes: 'none' } } };
    expect(() => new DefaultRecordRendering(unplaced)).toThrow(
      'Default records: contact.last_interaction: neither written nor unwritten',
    );
    const twice = { ...TABLE, ticket: { ...TABLE.ticket, unwritten: { priority: 'no' } } };
    expect(() => new DefaultRecordRendering(twice)).toThrow('ticket.priority: both written and unwritten');
    const id = {
      ...TABLE,
      contact: { ...TABLE.contact, fields: { ...TABLE.contact.fields, Key: { field: 'notes' } } },
    };
    expect(() => new DefaultRecordRendering(id as DefaultRecords)).toThrow(
      'contact.fields: Key is the id field, which the connector places itself',
    );
  });
});
