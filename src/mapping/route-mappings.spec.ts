import { DiscoveryModule } from '@nestjs/core';
import { Test, TestingModule } from '@nestjs/testing';
import { CrmConfig } from '../config/crm.config';
import { mappingConfig } from '../config/mapping.config';
import { RoutingConfig, routingConfig } from '../config/routing.config';
import { ChangeRendering } from './change-rendering';
import { ConnectorMappings } from './connector-mappings';
import { IntentMapper } from './intent-mapper';
import { LogSupportTicketStrategy } from './log-support-ticket.strategy';
import { MappingRegistry } from './mapping-registry';
import { PATHS, RECORDS } from './mapping-registry.fixture';
import { MappingRules, PathTargetRules, RecordTargetRules } from './mapping-rules';
import { RouteMapper } from './route-mapper';
import { RouteMappings } from './route-mappings';
import { UpdateCustomerProfileStrategy } from './update-customer-profile.strategy';

/** Two made-up connectors: `records` writes the RECORDS objects, `paths` request paths. */
const connectorMappings: ConnectorMappings = {
  of: (name) =>
    name === 'paths'
      ? { rules: new PathTargetRules(name), rendering: PATHS }
      : { rules: new RecordTargetRules(name), rendering: RECORDS },
};

const target = (name: string, connector: string) => ({ name, crm: { connector } as CrmConfig });

/** An inline entry of the `records` connector for `report_outage`. */
const outage = {
  intent: 'report_outage',
  objectType: 'outage',
  object: 'Outage',
  idField: 'Outage_Key',
  idEntity: 'siteId',
  fields: { Site: { entity: 'siteId' } },
};

/**
 * chat: every intent to crm and desk, but update_customer_profile to crm only, report_outage (an
 * inline entry) to crm only and an intent no mapping knows to desk; voice: every intent to hooks
 * (request paths); idle: no route.
 */
const ROUTING: RoutingConfig = {
  fromFile: true,
  sources: [],
  targets: [target('crm', 'records'), target('desk', 'records'), target('hooks', 'paths'), target('idle', 'records')],
  routes: [
    {
      source: 'chat',
      intent: '*',
      targets: [
        { target: 'crm', mapping: {} },
        { target: 'desk', mapping: {} },
      ],
    },
    { source: 'chat', intent: 'update_customer_profile', targets: [{ target: 'crm', mapping: {} }] },
    {
      source: 'chat',
      intent: 'report_outage',
      targets: [{ target: 'crm', mapping: { inline: { where: 'routes[2].targets[0].mappings', mappings: [outage] } } }],
    },
    { source: 'chat', intent: 'order_pizza', targets: [{ target: 'desk', mapping: {} }] },
    { source: 'voice', intent: '*', targets: [{ target: 'hooks', mapping: {} }] },
  ],
};

async function started(routing: RoutingConfig): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [
      UpdateCustomerProfileStrategy,
      LogSupportTicketStrategy,
      { provide: mappingConfig.KEY, useValue: {} },
      { provide: routingConfig.KEY, useValue: routing },
      { provide: MappingRules, useValue: new RecordTargetRules('records') },
      { provide: ChangeRendering, useValue: RECORDS },
      { provide: ConnectorMappings, useValue: connectorMappings },
      { provide: IntentMapper, useClass: MappingRegistry },
      { provide: RouteMapper, useClass: RouteMappings },
    ],
  }).compile();
  return moduleRef.init();
}

describe('RouteMappings.targetMappings', () => {
  let moduleRef: TestingModule | undefined;
  afterEach(() => moduleRef?.close());

  it('gives each target of the file, in order, the object types and records of the intents its routes send there', async () => {
    moduleRef = await started(ROUTING);
    const found = moduleRef.get(RouteMapper).targetMappings();
    const summary = found.map(({ target, objectTypes, records }) => ({
      target,
      objectTypes,
      records: records.map(({ intent, object, idField }) => `${intent} ${object}.${idField}`),
    }));
    expect(summary).toEqual([
      {
        // `*` takes log_support_ticket only: chat's other routes name the rest.
        target: 'crm',
        objectTypes: ['ticket', 'contact', 'outage'],
        records: [
          'log_support_ticket Issue.Issue_Key',
          'update_customer_profile Person.Person_Key',
          'report_outage Outage.Outage_Key',
        ],
      },
      // update_customer_profile never reaches desk; order_pizza is mapped by none of its mappings.
      { target: 'desk', objectTypes: ['ticket'], records: ['log_support_ticket Issue.Issue_Key'] },
      // Request paths: object types (series) but no CRM record to read.
      { target: 'hooks', objectTypes: ['contact', 'ticket'], records: [] },
      { target: 'idle', objectTypes: [], records: [] },
    ]);
    const [crm] = found;
    expect(crm.records[2]).toEqual({
      intent: 'report_outage',
      object: 'Outage',
      idField: 'Outage_Key',
      fields: ['Site'],
      binds: [],
    });
  });

  it('a record two routes send to one target with the same mappings is there once', async () => {
    const both = { target: 'crm', mapping: {} };
    moduleRef = await started({
      ...ROUTING,
      targets: [target('crm', 'records')],
      routes: [
        { source: 'chat', intent: '*', targets: [both] },
        { source: 'voice', intent: 'log_support_ticket', targets: [both] },
      ],
    });
    const [crm] = moduleRef.get(RouteMapper).targetMappings();
    expect(crm.objectTypes).toEqual(['contact', 'ticket']);
    expect(crm.records.map((record) => record.intent)).toEqual(['update_customer_profile', 'log_support_ticket']);
  });

  it("without a routing file: the one target `default` with IntentMapper's object types and records", async () => {
    moduleRef = await started({ ...ROUTING, fromFile: false });
    const mapper = moduleRef.get(IntentMapper);
    expect(moduleRef.get(RouteMapper).targetMappings()).toEqual([
      { target: 'default', objectTypes: mapper.objectTypes(), records: mapper.targets() },
    ]);
    expect(mapper.objectTypes()).toEqual(['contact', 'ticket']);
  });
});
