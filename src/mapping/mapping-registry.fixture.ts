import { DynamicModule, Injectable, Provider, Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test, TestingModule } from '@nestjs/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mappingConfig } from '../config/mapping.config';
import { ChangeRendering } from './change-rendering';
import { DefaultRecordRendering } from './default-records';
import { IntentMapper } from './intent-mapper';
import { LogSupportTicketStrategy } from './log-support-ticket.strategy';
import { MappingRegistry } from './mapping-registry';
import { MappingRules, PathTargetRules } from './mapping-rules';
import { RecordChange } from './record-change';
import { UpdateCustomerProfileStrategy } from './update-customer-profile.strategy';

/** A connector mapping to paths, its own paths and body fields. */
export const PATHS = new DefaultRecordRendering({
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
export const RECORDS = new DefaultRecordRendering({
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

/** An undecorated provider with a map() method: not a strategy. */
@Injectable()
class NotAStrategy {
  map(): RecordChange {
    throw new Error('never used');
  }
}

export interface RegistryOptions {
  mappingsFile?: string;
  rules?: MappingRules;
  rendering?: ChangeRendering;
  extra?: Provider[];
  imports?: Array<Type<unknown> | DynamicModule>;
}

/** The providers of MappingModule, with the mapping config given directly. */
export async function registry(options: RegistryOptions = {}) {
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

/**
 * Registries started in a test, closed after it, with mappings files written to a temporary
 * directory removed after the suite. Call inside a describe.
 */
export function startedRegistries() {
  const open: TestingModule[] = [];
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-mappings-'));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.close()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function start(options: RegistryOptions = {}) {
    const built = await registry(options);
    open.push(built.moduleRef);
    return built.mapper;
  }

  function file(name: string, content: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  return { start, file, dir: () => dir };
}
