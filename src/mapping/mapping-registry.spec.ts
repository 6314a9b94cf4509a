import { Injectable, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test, TestingModule } from '@nestjs/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mappingConfig } from '../config/mapping.config';
import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';
import { dialogEvent, entities } from '../shared/dialog-completed-event.fixture';
import { ChangeRendering } from './change-rendering';
import { DefaultRecordRendering } from './default-records';
import { MissingEntityError, UnsupportedIntentError } from './mapping-errors';
import { IntentMapper } from './intent-mapper';
import { IntentMapping, IntentStrategy } from './intent-strategy';
import { LogSupportTicketStrategy } from './log-support-ticket.strategy';
import { MappingsFileError } from './mapping-definition';
import { MappingRegistry, StrategyRegistryError } from './mapping-registry';
import { caseFolded, MappingRules, PathTargetRules, RecordTargetRules } from './mapping-rules';
import { RecordChange } from './record-change';
import { UpdateCustomerProfileStrategy } from './update-customer-profile.strategy';

const EXAMPLE = join(__dirname, '..', '..', 'mappings', 'example.json');

/** A connector mapping to paths, its own paths and body fields. */
const PATHS = new DefaultRecordRendering({
  contact: {
    path: '/people',
    fields: { id: { externalId: true }, status: { field: 'status' } },
    unwritten: { notes: 'no notes', last_interaction: 'no time' },
  },
  ticket: {
    path: '/issues',
    fields: { id: { externalId: true }, text: { field: 'description' } },
    unwritten: { priority: 'no priority', customer: 'no people' },
  },
});

/** A connector mapping to records, its own objects and field names. */
const RECORDS = new DefaultRecordRendering({
  contact: {
    object: 'Person',
    idField: 'Person_Key',
    fields: { Name: { externalId: true }, Tier: { field: 'status' } },
    unwritten: { notes: 'no notes', last_interaction: 'no time' },
  },
  ticket: {
    object: 'Issue',
    idField: 'Issue_Key',
    fields: {
      Title: { field: 'description' },
      'Detail/Priority': { field: 'priority' },
      Person: { bind: { entitySet: 'people', key: 'Person_Key', field: 'customer' } },
    },
  },
});

/** A second strategy for a built-in intent: must stop startup. */
@Injectable()
@IntentMapping('update_customer_profile')
class DuplicateProfileStrategy implements IntentStrategy {
  readonly objectType = 'contact';
  map(): RecordChange {
    throw new Error('never used');
  }
}

/** A strategy contributed by another module: discovery must find it without registration. */
@Injectable()
@IntentMapping('refund_request')
class RefundStrategy implements IntentStrategy {
  readonly objectType = 'ticket';
  map(event: DialogCompletedEvent): RecordChange {
    return {
      intent: event.intent,
      objectType: 'ticket',
      externalId: event.conversationId,
      fields: { description: 'refund requested' },
    };
  }
}

@Module({ providers: [RefundStrategy] })
class RefundModule {}

/** A decorated strategy that does not say which object type it makes: must stop startup. */
@Injectable()
@IntentMapping('untyped_intent')
class UntypedStrategy {
  map(): RecordChange {
    throw new Error('never used');
  }
}

/** A decorated strategy of a record no connector has a default for: must stop startup. */
@Injectable()
@IntentMapping('order_pizza')
class PizzaStrategy {
  readonly objectType = 'pizza';
  map(): RecordChange {
    throw new Error('never used');
  }
}

/** An undecorated provider with a map() method: not a strategy. */
@Injectable()
class NotAStrategy {
  map(): RecordChange {
    throw new Error('never used');
  }
}

interface RegistryOptions {
  mappingsFile?: string;
  rules?: MappingRules;
  rendering?: ChangeRendering;
  extra?: any[];
  imports?: any[];
}

/** The providers of MappingModule, with the mapping config given directly. */
async function registry(options: RegistryOptions = {}) {
  const moduleRef: TestingModule = await Test.createTestingModule({
    imports: [DiscoveryModule, ...(options.imports ?? [])],
    providers: [
      UpdateCustomerProfileStrategy,
      LogSupportTicketStrategy,
      NotAStrategy,
      ...(options.extra ?? []),
      { provide: mappingConfig.KEY, useValue: { mappingsFile: options.mappingsFile } },
      { provide: MappingRules, useValue: options.rules ?? new PathTargetRules('generic') },
      { provide: ChangeRendering, useValue: options.rendering ?? PATHS },
      { provide: IntentMapper, useClass: MappingRegistry },
    ],
  }).compile();
  await moduleRef.init();
  return { moduleRef, mapper: moduleRef.get(IntentMapper) };
}

describe('MappingRegistry (a real Nest module, strategies found through DI)', () => {
  const open: TestingModule[] = [];
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-mappings-'));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.close()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function start(options: Parameters<typeof registry>[0] = {}) {
    const built = await registry(options);
    open.push(built.moduleRef);
    return built.mapper;
  }

  function file(name: string, content: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  it('discovers the built-in strategies and nothing undecorated', async () => {
    const mapper = await start();
    expect(mapper).toBeInstanceOf(MappingRegistry);
    expect(mapper.intents().sort()).toEqual(['log_support_ticket', 'update_customer_profile']);
    const upsert = mapper.map(
      dialogEvent({ intent: 'update_customer_profile', entities: entities({ customerId: 'C-1', newStatus: 'gold' }) }),
    );
    expect(upsert).toMatchObject({ objectType: 'contact', externalId: 'C-1', body: { status: 'gold' } });
    expect(
      mapper.map(dialogEvent({ intent: 'log_support_ticket', entities: entities({ ticketId: 'T-1' }) })),
    ).toMatchObject({ objectType: 'ticket', path: '/issues' });
  });

  it('discovers a decorated strategy provided by another module', async () => {
    const mapper = await start({ imports: [RefundModule] });
    expect(mapper.intents().sort()).toEqual(['log_support_ticket', 'refund_request', 'update_customer_profile']);
    expect(mapper.objectTypes().sort()).toEqual(['contact', 'ticket']);
    expect(mapper.map(dialogEvent({ intent: 'refund_request', conversationId: 'conv-r' }))).toMatchObject({
      path: '/issues',
      externalId: 'conv-r',
      body: { id: 'conv-r', text: 'refund requested' },
    });
  });

  it('answers an unknown intent with UnsupportedIntentError', async () => {
    const mapper = await start();
    const event = dialogEvent({ intent: 'order_pizza', entities: entities({ customerId: 'C-1' }) });
    expect(() => mapper.map(event)).toThrow(UnsupportedIntentError);
    expect(() => mapper.map(event)).toThrow('Unsupported intent: order_pizza');
    expect(() => mapper.map({ ...event, intent: 'not_mapped' })).toThrow(UnsupportedIntentError);
  });

  it('passes a strategy MissingEntityError through', async () => {
    const mapper = await start();
    expect(() => mapper.map(dialogEvent({ intent: 'log_support_ticket' }))).toThrow(MissingEntityError);
  });

  it('adds the intents of the mappings file (the repository example)', async () => {
    const mapper = await start({ mappingsFile: EXAMPLE });
    expect(mapper.intents().sort()).toEqual(['log_support_ticket', 'schedule_callback', 'update_customer_profile']);
    expect(mapper.objectTypes().sort()).toEqual(['callback', 'contact', 'ticket']);
    const upsert = mapper.map(
      dialogEvent({
        intent: 'schedule_callback',
        entities: entities({ callbackId: ['CB-1', 0.7] }),
        metadata: { channel: 'chat' },
      }),
    );
    expect(upsert).toEqual({
      intent: 'schedule_callback',
      objectType: 'callback',
      method: 'POST',
      path: '/api/v2/callbacks/upsert',
      externalId: 'CB-1',
      body: { external_id: 'CB-1', channel: 'chat', requested_at: '2026-11-26T10:00:00.000Z', source: 'cognigy_ai' },
    });
  });

  it('lets a file entry replace a built-in intent', async () => {
    const mappingsFile = file('rename.json', {
      mappings: [
        {
          intent: 'update_customer_profile',
          objectType: 'person',
          path: '/crm/people',
          idEntity: 'customerId',
          fields: { id: { entity: 'customerId' }, tier: { entity: 'newStatus' } },
        },
      ],
    });
    const mapper = await start({ mappingsFile });
    expect(mapper.intents().sort()).toEqual(['log_support_ticket', 'update_customer_profile']);
    const upsert = mapper.map(
      dialogEvent({ intent: 'update_customer_profile', entities: entities({ customerId: 'C-1', newStatus: 'gold' }) }),
    );
    expect(upsert).toEqual({
      intent: 'update_customer_profile',
      objectType: 'person',
      method: 'POST',
      path: '/crm/people',
      externalId: 'C-1',
      body: { id: 'C-1', tier: 'gold' },
    });
    // The other built-in is untouched.
    expect(
      mapper.map(dialogEvent({ intent: 'log_support_ticket', entities: entities({ ticketId: 'T-1' }) })).objectType,
    ).toBe('ticket');
  });

  it('lists each object type once, a replaced built-in by its file entry', async () => {
    const mappingsFile = file('two-people.json', {
      mappings: ['update_customer_profile', 'log_support_ticket'].map((intent) => ({
        intent,
        objectType: 'person',
        path: '/crm/people',
        idEntity: 'customerId',
        fields: { id: { entity: 'customerId' } },
      })),
    });
    expect((await start({ mappingsFile })).objectTypes()).toEqual(['person']);
  });

  it('refuses to start with a strategy that names no objectType', async () => {
    await expect(registry({ extra: [UntypedStrategy] })).rejects.toThrow(
      'Intent strategies: UntypedStrategy (untyped_intent) names no objectType',
    );
  });

  it('refuses to start with a strategy of a record that is not a contact or a ticket', async () => {
    await expect(registry({ extra: [PizzaStrategy] })).rejects.toThrow(
      'Intent strategies: PizzaStrategy (order_pizza) makes "pizza" changes; a strategy changes a contact or ticket',
    );
  });

  it('refuses to start with two decorated strategies for one intent', async () => {
    const failure = registry({ extra: [DuplicateProfileStrategy] });
    await expect(failure).rejects.toThrow(StrategyRegistryError);
    await expect(registry({ extra: [DuplicateProfileStrategy] })).rejects.toThrow(
      'intent "update_customer_profile" has two strategies',
    );
  });

  it('refuses to start with a bad mappings file, naming the problem', async () => {
    const twice = file('twice.json', {
      mappings: [
        { intent: 'a', objectType: 'o', path: '/a', idEntity: 'id', fields: { id: { entity: 'id' } } },
        { intent: 'a', objectType: 'o', path: '/b', idEntity: 'id', fields: { id: { entity: 'id' } } },
      ],
    });
    await expect(registry({ mappingsFile: twice })).rejects.toThrow(MappingsFileError);
    await expect(registry({ mappingsFile: twice })).rejects.toThrow('intent "a" is mapped twice');
    await expect(registry({ mappingsFile: file('broken.json', '{"mappings": [') })).rejects.toThrow(/not valid JSON/);
  });

  it('refuses to start when the mappings file cannot be read, naming the file', async () => {
    const missing = join(dir, 'does-not-exist.json');
    await expect(registry({ mappingsFile: missing })).rejects.toThrow(`Invalid mappings file ${missing}`);
    await expect(registry({ mappingsFile: missing })).rejects.toThrow('cannot be read: ENOENT');
  });

  describe('with a CRM connector mapping to records', () => {
    const salesforce = new RecordTargetRules('salesforce');
    const contact = {
      intent: 'update_customer_profile',
      objectType: 'contact',
      object: 'Contact',
      idField: 'Cognigy_Customer_Id__c',
      idEntity: 'customerId',
      fields: {
        Cognigy_Customer_Id__c: { entity: 'customerId' },
        Status__c: { entity: 'newStatus' },
        'Detail__c/Note': { entity: 'notes' },
      },
    };

    it('maps a file entry as written (object, id field, "/" nesting); the other built-in by the default record', async () => {
      const mappingsFile = file('sf.json', { mappings: [contact] });
      const mapper = await start({ rules: salesforce, rendering: RECORDS, mappingsFile });
      expect(mapper.intents().sort()).toEqual(['log_support_ticket', 'update_customer_profile']);
      const upsert = mapper.map(
        dialogEvent({
          intent: 'update_customer_profile',
          entities: entities({ customerId: 'C-1', newStatus: 'gold', notes: 'n' }),
        }),
      );
      expect(upsert).toEqual({
        intent: 'update_customer_profile',
        objectType: 'contact',
        object: 'Contact',
        idField: 'Cognigy_Customer_Id__c',
        externalId: 'C-1',
        body: { Status__c: 'gold', Detail__c: { Note: 'n' } },
      });
      const ticket = dialogEvent({
        intent: 'log_support_ticket',
        entities: entities({ ticketId: 'T-1', issue: 'no login', priority: 'high', customerId: "O'Brien" }),
      });
      expect(mapper.map(ticket)).toEqual({
        intent: 'log_support_ticket',
        objectType: 'ticket',
        object: 'Issue',
        idField: 'Issue_Key',
        externalId: 'T-1',
        body: { Title: 'no login', Detail: { Priority: 'high' }, Person: "/people(Person_Key='O''Brien')" },
      });
    });

    it('lists for crm:check the file entries and the default records of the intents left to strategies', async () => {
      const mappingsFile = file('sf-targets.json', { mappings: [contact] });
      const mapper = await start({ rules: salesforce, rendering: RECORDS, mappingsFile });
      expect(mapper.targets()).toEqual([
        {
          intent: 'update_customer_profile',
          object: 'Contact',
          idField: 'Cognigy_Customer_Id__c',
          fields: ['Cognigy_Customer_Id__c', 'Status__c', 'Detail__c/Note'],
          binds: [],
        },
        {
          intent: 'log_support_ticket',
          object: 'Issue',
          idField: 'Issue_Key',
          fields: ['Title', 'Detail/Priority', 'Person'],
          binds: [{ field: 'Person', entitySet: 'people', key: 'Person_Key' }],
        },
      ]);
      // Without a file, a connector mapping to records checks both default records; one mapping to paths, none.
      const defaults = await start({ rules: salesforce, rendering: RECORDS });
      expect(defaults.targets().map((t) => [t.intent, t.object])).toEqual([
        ['update_customer_profile', 'Person'],
        ['log_support_ticket', 'Issue'],
      ]);
      expect((await start()).targets()).toEqual([]);
    });

    it("adds the connector's record key when it is not the external id (a CRM matching ids case-insensitively)", async () => {
      class FoldingRules extends RecordTargetRules {
        override recordKey(upsert: CrmUpsert): string {
          return caseFolded(upsert.externalId);
        }
      }
      const mapper = await start({
        rules: new FoldingRules('salesforce'),
        mappingsFile: file('sf-fold.json', { mappings: [contact] }),
      });
      const mapped = (customerId: string) =>
        mapper.map(dialogEvent({ intent: 'update_customer_profile', entities: entities({ customerId }) }));
      expect(mapped('C-1')).toMatchObject({ externalId: 'C-1', recordKey: 'c-1' });
      expect(mapped('c-1')).not.toHaveProperty('recordKey');
    });

    it('stops startup for an entry with a path, or without object or idField, naming the entry', async () => {
      const { idField, ...noIdField } = contact;
      expect(idField).toBeDefined();
      const bad = file('sf-bad.json', {
        mappings: [
          { ...contact, path: '/x' },
          { ...noIdField, intent: 'log_support_ticket' },
        ],
      });
      const started = registry({ rules: salesforce, mappingsFile: bad });
      await expect(started).rejects.toThrow(
        'mappings[0] (update_customer_profile).path: not used with CRM_CONNECTOR=salesforce',
      );
      await expect(registry({ rules: salesforce, mappingsFile: bad })).rejects.toThrow(
        'mappings[1] (log_support_ticket).idField: required with CRM_CONNECTOR=salesforce',
      );
    });

    it('keeps the generic connector to paths: object and idField are refused there', async () => {
      await expect(registry({ mappingsFile: file('generic-bad.json', { mappings: [contact] }) })).rejects.toThrow(
        'mappings[0] (update_customer_profile).path: must be a string starting with "/"',
      );
    });
  });
});
