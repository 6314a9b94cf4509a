import { CrmUpsert } from '../shared/dialog-completed-event';
import { dialogEvent, entities } from '../shared/dialog-completed-event.fixture';
import { RECORDS, registry, startedRegistries } from './mapping-registry.fixture';
import { caseFolded, RecordTargetRules } from './mapping-rules';

describe('MappingRegistry', () => {
  const { start, file } = startedRegistries();

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
