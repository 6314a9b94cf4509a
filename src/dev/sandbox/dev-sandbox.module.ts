import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Environment, EnvironmentWithCrm, withCrm } from '../../config/environment';
import { CrmSandbox } from './crm-sandbox';

/** A sandbox bootstrap started, and what the log must say about it. */
class RunningSandbox {
  constructor(
    readonly sandbox: CrmSandbox,
    readonly notices: string[],
  ) {}
}

/**
 * Development only: with CRM_BASE_URL unset (validation refuses that in production) bootstrap
 * starts the sandbox CRM on loopback, so a fresh checkout works end to end, and hands its URL and
 * client to the service as ordinary CRM settings. This module announces it loudly once the
 * application starts and stops it when the application shuts down.
 */
@Module({})
export class DevSandboxModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('DevSandbox');

  constructor(@Inject(RunningSandbox) private readonly running: RunningSandbox) {}

  static of(running: RunningSandbox): DynamicModule {
    return { module: DevSandboxModule, providers: [{ provide: RunningSandbox, useValue: running }] };
  }

  onModuleInit(): void {
    for (const notice of this.running.notices) this.logger.warn(notice);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.running.sandbox.stop();
  }
}

export interface DevSandbox {
  /** `env` delivering to the sandbox. */
  env: EnvironmentWithCrm;
  /** For the application's root module: announces the sandbox, stops it at shutdown. */
  module: DynamicModule;
  /** For bootstrap, when the application could not be built. */
  stop(): Promise<void>;
}

export async function startDevSandbox(env: Environment): Promise<DevSandbox> {
  const sandbox = new CrmSandbox({ port: env.CRM_SANDBOX_PORT, host: '127.0.0.1' });
  const url = await sandbox.start();
  const notices = [
    `CRM_BASE_URL unset: deliveries go to the built-in CRM SANDBOX at ${url} ` +
      `(records: ${url}/_sandbox/records). Set CRM_BASE_URL to deliver to a real CRM.`,
  ];
  if (env.CRM_AUTH === 'static') {
    notices.push('CRM_AUTH=static is ignored with the sandbox CRM: it issues client-credentials tokens');
  }
  const { tokenUrl, clientId, clientSecret } = sandbox;
  return {
    env: withCrm(env, { baseUrl: url, tokenUrl, clientId, clientSecret }),
    module: DevSandboxModule.of(new RunningSandbox(sandbox, notices)),
    stop: () => sandbox.stop(),
  };
}
