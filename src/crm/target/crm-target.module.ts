import { Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { crmConfig } from '../../config/crm.config';
import { CrmSandbox } from '../../sandbox/crm-sandbox';
import { CrmTarget } from './crm-target';

const SANDBOX = Symbol('CrmSandbox');

/**
 * With CRM_BASE_URL unset (only allowed outside production: config validation refuses it in
 * production) the built-in sandbox CRM is started on loopback so a fresh checkout works end to end.
 */
async function resolveTarget(config: ConfigType<typeof crmConfig>, sandbox: CrmSandbox | null): Promise<CrmTarget> {
  if (!sandbox) {
    return {
      baseUrl: config.baseUrl as string,
      tokenUrl: config.tokenUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      sandbox: false,
    };
  }
  const url = await sandbox.start();
  new Logger('CrmTarget').warn(
    `CRM_BASE_URL unset: deliveries go to the built-in CRM SANDBOX at ${url} ` +
      `(records: ${url}/_sandbox/records). Set CRM_BASE_URL to deliver to a real CRM.`,
  );
  return { baseUrl: url, tokenUrl: sandbox.tokenUrl, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, sandbox: true };
}

@Module({
  providers: [
    {
      provide: SANDBOX,
      inject: [crmConfig.KEY],
      useFactory: (config: ConfigType<typeof crmConfig>) =>
        config.baseUrl ? null : new CrmSandbox({ port: config.sandboxPort, host: '127.0.0.1' }),
    },
    { provide: CrmTarget, inject: [crmConfig.KEY, SANDBOX], useFactory: resolveTarget },
  ],
  exports: [CrmTarget],
})
export class CrmTargetModule implements OnApplicationShutdown {
  constructor(@Inject(SANDBOX) private readonly sandbox: CrmSandbox | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.sandbox?.stop();
  }
}
