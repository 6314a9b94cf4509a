import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../../src/app.module';
import { hasCrm } from '../../src/config/environment';
import { loadEnvironment } from '../../src/config/load-environment';
import { CrmConfig } from '../../src/config/crm.config';
import { RoutingConfig, routingConfig } from '../../src/config/routing.config';
import { CrmSandbox } from '../../src/dev/sandbox/crm-sandbox';
import { CONNECTORS } from '../../src/crm/connector-registry';
import { AppLogger } from '../../src/logging/app-logger';
import { FIXTURE_RECORD_STATE_TTL } from './fixture-times';
import { TestApp } from './test-app';

/**
 * The application of `env` (which must name a CRM) with `routing` in place of the routing
 * namespace the environment describes: sources and targets by name for the operators' side
 * (labels, filters, per-target views) while the routing file is not read yet. Built as bootstrap
 * builds it (no body parser, the app's logger); `routing(defaults)` gets the environment's.
 */
export async function startRoutedApp(
  env: Record<string, string>,
  routing: (defaults: RoutingConfig) => RoutingConfig,
): Promise<TestApp> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'ccs-routed-'));
  const saved = { ...process.env };
  Object.assign(process.env, {
    LOG_LEVEL: 'silent',
    LOG_FORMAT: 'json',
    DATA_DIR: dataDir,
    RECORD_STATE_TTL_SECONDS: FIXTURE_RECORD_STATE_TTL,
    ...env,
  });
  try {
    const validated = loadEnvironment(CONNECTORS);
    if (!hasCrm(validated)) throw new Error('startRoutedApp needs a CRM in env');
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(validated)] })
      .overrideProvider(routingConfig.KEY)
      .useValue(routing(routingConfig(validated)))
      .compile();
    const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, bufferLogs: true });
    app.useLogger(app.get(AppLogger));
    await app.init();
    return {
      app,
      server: app.getHttpServer(),
      dataDir,
      async close() {
        await app.close();
        if (!env.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } finally {
    process.env = saved;
  }
}

/**
 * A routing like a file's: `targets` by name, each with the environment's CRM settings and its
 * own overrides (its own CRM), `sources` by name with the environment's; every intent of every
 * source goes to every target.
 */
export const routedAs =
  (targets: Record<string, Partial<CrmConfig>>, sources: string[]) =>
  (defaults: RoutingConfig): RoutingConfig => ({
    fromFile: true,
    sources: sources.map((name) => ({ ...defaults.sources[0], name })),
    targets: Object.entries(targets).map(([name, crm]) => ({ name, crm: { ...defaults.targets[0].crm, ...crm } })),
    routes: sources.map((source) => ({
      source,
      intent: '*',
      targets: Object.keys(targets).map((target) => ({ target, mapping: defaults.sources[0].mapping })),
    })),
  });

/** A target's CRM settings pointing at `sandbox`. */
export const sandboxTarget = (sandbox: CrmSandbox): Partial<CrmConfig> => ({
  baseUrl: sandbox.url,
  tokenUrl: sandbox.tokenUrl,
  clientId: sandbox.clientId,
  clientSecret: sandbox.clientSecret,
});

/**
 * A ROUTES_FILE target on `sandbox` (generic connector), its client secret read from the
 * environment variable `secretVariable`, as a file names every secret.
 */
export const sandboxFileTarget = (sandbox: CrmSandbox, secretVariable: string) => ({
  connector: 'generic',
  settings: { CRM_BASE_URL: sandbox.url, CRM_TOKEN_URL: sandbox.tokenUrl, CRM_CLIENT_ID: sandbox.clientId },
  secrets: { CRM_CLIENT_SECRET: secretVariable },
});
