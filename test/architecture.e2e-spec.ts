import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONNECTORS } from '../src/crm/connector-registry';
import {
  connectorNameLeaks,
  findCycle,
  ModuleTable,
  readSources,
  SourceFile,
  violations,
} from './support/import-rules';

/**
 * Who may import whom under src/: the one table of the module rules. docs/architecture.md draws
 * the same graph (a test below compares them). A new folder under src/ fails until it is added here.
 */
const TABLE: ModuleTable = {
  foundation: ['config', 'shared'],
  modules: {
    config: {
      owns: 'the environment, validated once at startup, and its typed namespaces',
      uses: [],
      exposes: '*',
    },
    shared: {
      owns: 'the dialog-completed event and CRM upsert types, event times, the domain error base and the one exception filter, the validation pipe, the OpenAPI decorators (`@ApiDocs`, error answers), constant-time compare, OData key quoting',
      uses: [],
      exposes: '*',
    },
    telemetry: {
      owns: 'the typed signals Webhook, Crm and Queue emit and Metrics observes; the tracer (OpenTelemetry) their spans start from',
      uses: [],
      exposes: '*',
    },
    lifecycle: {
      owns: 'the shutdown state and its shutting-down error',
      uses: [],
      exposes: ['lifecycle.module', 'shutdown-state', 'lifecycle-errors'],
    },
    logging: {
      owns: 'structured logs (pino) with secrets redacted',
      uses: ['telemetry'],
      exposes: ['logging.module', 'app-logger'],
    },
    queue: {
      owns: 'the durable event store: SQLite and Redis drivers behind one port per caller',
      uses: ['telemetry'],
      exposes: [
        'queue.module',
        'event-intake',
        'delivery-queue',
        'operator-events',
        'store-health',
        'stored-event',
        'queue-error-answers',
        'sqlite-backup',
        'store-transfer',
      ],
    },
    mapping: {
      owns: 'one strategy per intent, found through DI, making CRM-neutral record changes; the mappings file; the mappings of each route target',
      uses: [],
      exposes: [
        'mapping.module',
        'intent-mapper',
        'route-mapper',
        'connector-mappings',
        'intent-strategy',
        'record-change',
        'mapping-errors',
        'mapping-rules',
        'change-rendering',
        'default-records',
      ],
    },
    webhook: {
      owns: 'the webhook routes: transport checks, auth, DTOs, normalising, map then enqueue, the answer',
      uses: ['lifecycle', 'mapping', 'queue', 'telemetry'],
      exposes: ['webhook.module', 'webhook-api-docs'],
    },
    crm: {
      owns: "delivery: one runtime per target (its worker, its verdicts, its CRM client with token and breaker, its connector) and the connectors' registry",
      uses: ['queue', 'mapping', 'telemetry'],
      exposes: [
        'crm.module',
        'crm-status',
        'target-status',
        'crm-check',
        'connectors/mapping-check',
        'connector-registry',
      ],
    },
    metrics: {
      owns: 'Prometheus series, the latency report, health probes',
      uses: ['lifecycle', 'queue', 'telemetry', 'crm', 'mapping'],
      exposes: ['metrics.module', 'latency-report'],
    },
    admin: {
      owns: "the operators' API and console",
      uses: ['queue', 'crm', 'metrics'],
      exposes: ['admin.module', 'admin-api-docs'],
    },
    dev: {
      owns: 'development stand-ins (the sandbox CRM, a webhook secret), never loaded in production',
      uses: [],
      exposes: ['sandbox/dev-sandbox.module', 'dev-webhook-secret', 'dev-notice'],
      devOnly: true,
    },
  },
  root: { lazy: ['dev'] },
};

const SRC = join(__dirname, '..', 'src');
const DOC = join(__dirname, '..', 'docs', 'architecture.md');

const REGISTRY = 'crm/connector-registry.ts';
/** Every connector's name but the default's: `generic` is an ordinary word too (and config's default). */
const CONNECTOR_NAMES = CONNECTORS.map(({ name }) => name).filter((name) => name !== 'generic');

const tableEdges = (table: ModuleTable) =>
  Object.entries(table.modules).flatMap(([from, rule]) => rule.uses.map((to) => `${from} --> ${to}`));

describe('module import rules (docs/architecture.md)', () => {
  it('src/ keeps to the table: every folder a module, every import an allowed one, no cycle', () => {
    const sources = readSources(SRC);
    expect(sources.length).toBeGreaterThan(50);
    expect(violations(TABLE, sources)).toEqual([]);
  });

  it("a connector's name appears in src/ only in its own folder and the registry (specs and fixtures aside)", () => {
    expect(connectorNameLeaks(readSources(SRC), CONNECTOR_NAMES, REGISTRY)).toEqual([]);
  });

  it('the table itself has no cycle', () => {
    const edges = new Map(Object.entries(TABLE.modules).map(([name, rule]) => [name, new Set(rule.uses)]));
    for (const [name, uses] of edges)
      if (!TABLE.foundation.includes(name)) TABLE.foundation.forEach((f) => uses.add(f));
    expect(findCycle(edges)).toBeNull();
  });

  it('docs/architecture.md draws exactly the edges of the table and lists every module with what it exposes', () => {
    const doc = readFileSync(DOC, 'utf8');
    const diagram = /```mermaid\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const drawn = [...diagram.matchAll(/^\s*(\w+)\s*-->\s*(\w+)\s*$/gm)].map((m) => `${m[1]} --> ${m[2]}`);
    expect(drawn.sort()).toEqual(tableEdges(TABLE).sort());
    const rows = doc.split('\n');
    for (const [name, rule] of Object.entries(TABLE.modules)) {
      const row = rows.find((line) => line.startsWith(`| \`${name}\` | ${rule.owns} |`));
      expect(row).toBeDefined();
      const exposed = row!.split('|')[3];
      for (const file of rule.exposes === '*' ? ['everything'] : rule.exposes.map((f) => `\`${f}\``)) {
        expect(exposed).toContain(file);
      }
    }
  });
});

describe('the import rules catch what they must', () => {
  const file = (path: string, text: string): SourceFile => ({ path, text });
  const problems = (...files: SourceFile[]) => violations(TABLE, files);

  it.each([
    ['Webhook → Crm', file('webhook/x.ts', "import { CrmStatus } from '../crm/crm-status';"), 'webhook may import'],
    [
      'Mapping → Queue',
      file('mapping/x.ts', "import { EventIntake } from '../queue/event-intake';"),
      'mapping may import config, shared, not queue',
    ],
    [
      'Queue → Crm',
      file('queue/x.ts', "import { CrmModule } from '../crm/crm.module';"),
      'queue may import telemetry, config, shared, not crm',
    ],
    [
      'Queue → Webhook',
      file('queue/x.ts', "export { WebhookModule } from '../webhook/webhook.module';"),
      'not webhook',
    ],
    [
      'Metrics → Webhook',
      file('metrics/x.ts', "import { WebhookModule } from '../webhook/webhook.module';"),
      'not webhook',
    ],
    [
      'Metrics → Crm internals',
      file('metrics/x.ts', "import { CrmBreaker } from '../crm/client/crm-breaker';"),
      'crm/client/crm-breaker is internal to crm',
    ],
    [
      'Admin → Queue driver',
      file('admin/x.ts', "import { SqliteEventStore } from '../queue/sqlite-event-store';"),
      'internal to queue',
    ],
    [
      'production → dev sandbox',
      file('crm/x.ts', "import { CrmSandbox } from '../dev/sandbox/crm-sandbox';"),
      'not dev',
    ],
    [
      'root → dev, statically',
      file('bootstrap.ts', "import { startDevSandbox } from './dev/sandbox/dev-sandbox.module';"),
      'with a dynamic import()',
    ],
    [
      'src → test',
      file('mapping/x.spec.ts', "import { sleep } from '../../test/support/wait-for';"),
      'never imports test/',
    ],
    [
      'production → fixture',
      file('queue/x.ts', "import { newEvent } from './stored-event.fixture';"),
      'never imports a spec or a fixture',
    ],
    ['an import through baseUrl', file('webhook/x.ts', "import { CrmModule } from 'src/crm/crm.module';"), 'not crm'],
    ['a require()', file('webhook/x.ts', "const crm = require('../crm/crm.module');"), 'not crm'],
    [
      'a folder missing from the table',
      file('connectors/x.ts', "import { Module } from '@nestjs/common';"),
      'add it to the table',
    ],
  ])('%s', (_case, source, message) => {
    const found = problems(source);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it('lets the root load dev code with a dynamic import() or name its types, and a module use what the table allows', () => {
    expect(
      problems(
        file('bootstrap.ts', "const { startDevSandbox } = await import('./dev/sandbox/dev-sandbox.module');"),
        file('main.ts', "import type { DevNotice } from './dev/dev-notice';"),
        file(
          'metrics/x.ts',
          "import { CrmStatus } from '../crm/crm-status';\nimport { Telemetry } from '../telemetry/telemetry';",
        ),
        file(
          'webhook/x.spec.ts',
          "import { IntentMapper } from '../mapping/intent-mapper';\nimport { sampleDialog } from './dto/dialog-complete.fixture';",
        ),
      ),
    ).toEqual([]);
  });

  it('finds a cycle between modules, naming it', () => {
    const loose: ModuleTable = {
      ...TABLE,
      modules: {
        ...TABLE.modules,
        queue: { ...TABLE.modules.queue, uses: ['mapping'] },
        mapping: { ...TABLE.modules.mapping, uses: ['queue'] },
      },
    };
    const found = violations(loose, [
      file('queue/x.ts', "import { IntentMapper } from '../mapping/intent-mapper';"),
      file('mapping/y.ts', "import { EventIntake } from '../queue/event-intake';"),
    ]);
    expect(found).toEqual([expect.stringMatching(/cycle: (queue → mapping → queue|mapping → queue → mapping)/)]);
  });

  it('finds a cycle between two folders of one module, type-only imports included, naming it', () => {
    const found = problems(
      file('crm/connectors/x.ts', "import type { Checked } from '../crm-check';"),
      file('crm/crm-check.ts', "import { CrmConnector } from './connectors/crm-connector';"),
    );
    expect(found).toEqual([
      expect.stringMatching(
        /^folders of crm import each other in a cycle: (crm → crm\/connectors → crm|crm\/connectors → crm → crm\/connectors)$/,
      ),
    ]);
    expect(
      problems(
        file('crm/delivery/x.ts', "import { EventVerdict } from '../connectors/verdict';"),
        file('crm/connectors/y.ts', "import { CrmClient } from '../client/crm-client';"),
        file('crm/client/z.ts', "import { deadline } from '../outbound/outbound-http';"),
      ),
    ).toEqual([]);
  });

  it('finds a connector named outside its folder and the registry', () => {
    const leaks = connectorNameLeaks(
      [
        file('config/environment.ts', 'const LIMITS = { Salesforce: 200 };'),
        file('crm/connectors/hubspot/hubspot.answers.ts', '// unlike zendesk'),
        file('crm/connectors/zendesk/zendesk.connector.ts', '// CRM_CONNECTOR=zendesk'),
        file(
          'crm/connector-registry.ts',
          "import { zendeskDefinition } from './connectors/zendesk/zendesk.definition';",
        ),
        file('mapping/x.spec.ts', "rules('salesforce')"),
      ],
      ['salesforce', 'zendesk'],
      REGISTRY,
    );
    expect(leaks).toEqual([
      expect.stringMatching(/^src\/config\/environment\.ts names salesforce:/),
      expect.stringMatching(/^src\/crm\/connectors\/hubspot\/hubspot\.answers\.ts names zendesk:/),
    ]);
  });
});
