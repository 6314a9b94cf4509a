import { HttpModule, HttpService } from '@nestjs/axios';
import { Logger, Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { crmConfig } from '../../config/crm.config';
import { Telemetry } from '../../telemetry/telemetry';
import { TelemetryModule } from '../../telemetry/telemetry.module';
import { outboundHttpOptions } from '../client/outbound-http';
import { CrmTarget } from '../target/crm-target';
import { CrmTargetModule } from '../target/crm-target.module';
import { ClientCredentialsTokenProvider } from './client-credentials-token.provider';
import { StaticTokenProvider } from './static-token.provider';
import { TokenProvider } from './token-provider';

const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;

function tokenProvider(
  config: ConfigType<typeof crmConfig>,
  target: CrmTarget,
  http: HttpService,
  telemetry: Telemetry,
): TokenProvider {
  if (config.auth === 'static') {
    if (!target.sandbox) return new StaticTokenProvider(config.accessToken as string);
    new Logger('TokenProvider').warn('CRM_AUTH=static is ignored with the sandbox CRM: it issues client-credentials tokens');
  }
  return new ClientCredentialsTokenProvider(
    http,
    {
      tokenUrl: target.tokenUrl as string,
      clientId: target.clientId as string,
      clientSecret: target.clientSecret as string,
      clientAuth: config.clientAuth,
      scopes: config.scopes,
      timeoutMs: config.timeoutMs,
    },
    (result) => telemetry.emit('tokenRequested', { result }),
  );
}

/** The token endpoint gets its own axios instance, with the same connect timeout and deadline as the CRM API's. */
@Module({
  imports: [
    CrmTargetModule,
    TelemetryModule,
    HttpModule.registerAsync({
      inject: [crmConfig.KEY],
      useFactory: (config: ConfigType<typeof crmConfig>) => outboundHttpOptions(config.timeoutMs, MAX_TOKEN_ANSWER_BYTES),
    }),
  ],
  providers: [
    {
      provide: TokenProvider,
      inject: [crmConfig.KEY, CrmTarget, HttpService, Telemetry],
      useFactory: tokenProvider,
    },
  ],
  exports: [TokenProvider],
})
export class TokenModule {}
