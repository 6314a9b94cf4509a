import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Environment, EnvironmentWithCrm, withCrm } from '../../config/environment';
import { DevNotice } from '../dev-notice';
import { CrmSandbox } from './crm-sandbox';

/** Stops the sandbox bootstrap started when the application shuts down. */
@Module({})
export class DevSandboxModule implements OnApplicationShutdown {
  constructor(@Inject(CrmSandbox) private readonly sandbox: CrmSandbox) {}

  static of(sandbox: CrmSandbox): DynamicModule {
    return { module: DevSandboxModule, providers: [{ provide: CrmSandbox, useValue: sandbox }] };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sandbox.stop();
  }
}

export interface DevSandbox {
  /** `env` delivering to the sandbox. */
  env: EnvironmentWithCrm;
  /** For the application's root module. */
  module: DynamicModule;
  notices: DevNotice[];
  /** For bootstrap, when the application could not be built. */
  stop(): Promise<void>;
}

/**
 * Development only: with CRM_BASE_URL unset (validation refuses that in production) the sandbox
 * CRM runs on loopback, so a fresh checkout works end to end. The service gets its URL and client
 * as ordinary CRM settings.
 */
export async function startDevSandbox(env: Environment): Promise<DevSandbox> {
  const sandbox = new CrmSandbox({ port: env.CRM_SANDBOX_PORT, host: '127.0.0.1' });
  const url = await sandbox.start();
  const notice = (message: string) => ({ context: 'DevSandbox', message });
  const notices = [
    notice(
      `CRM_BASE_URL unset: deliveries go to the built-in CRM SANDBOX at ${url} ` +
        `(records: ${url}/_sandbox/records). Set CRM_BASE_URL to deliver to a real CRM.`,
    ),
  ];
  if (env.CRM_AUTH === 'static') {
    notices.push(notice('CRM_AUTH=static is ignored with the sandbox CRM: it issues client-credentials tokens'));
  }
  const { tokenUrl, clientId, clientSecret } = sandbox;
  return {
    env: withCrm(env, { baseUrl: url, tokenUrl, clientId, clientSecret }),
    module: DevSandboxModule.of(sandbox),
    notices,
    stop: () => sandbox.stop(),
  };
}
