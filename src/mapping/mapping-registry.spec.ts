import { Injectable, Module } from '@nestjs/common';
import { join } from 'node:path';
import { DialogCompletedEvent } from '../shared/dialog-completed-event';
import { dialogEvent, entities } from '../shared/dialog-completed-event.fixture';
import { MissingEntityError, UnsupportedIntentError } from './mapping-errors';
import { IntentMapping, IntentStrategy } from './intent-strategy';
import { MappingsFileError } from './mapping-definition';
import { MappingRegistry } from './mapping-registry';
import { StrategyRegistryError } from './strategy-discovery';
import { registry, startedRegistries } from './mapping-registry.fixture';
import { RecordChange } from './record-change';

const EXAMPLE = join(__dirname, '..', '..', 'mappings', 'example.json');
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

describe('MappingRegistry (a real Nest module, strategies found through DI)', () => {
  const { start, file, dir } = startedRegistries();

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
    const missing = join(dir(), 'does-not-exist.json');
    await expect(registry({ mappingsFile: missing })).rejects.toThrow(`Invalid mappings file ${missing}`);
    await expect(registry({ mappingsFile: missing })).rejects.toThrow('cannot be read: ENOENT');
  });
});
