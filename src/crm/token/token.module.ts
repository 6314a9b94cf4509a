import { HttpModule, HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { crmConfig } from '../../config/crm.config';
import { Telemetry } from '../../telemetry/telemetry';
import { TelemetryModule } from '../../telemetry/telemetry.module';
import { outboundHttpOptions } from '../client/outbound-http';
import { ClientCredentialsTokenProvider } from './client-credentials-token.provider';
import { StaticTokenProvider } from './static-token.provider';
import { TokenProvider } from './token-provider';

const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;

function tokenProvider(
  config: ConfigType<typeof crmConfig>,
  http: HttpService,
  telemetry: Telemetry,
): TokenProvider {
  if (config.auth === 'static') return new StaticTokenProvider(config.accessToken as string);
  return new ClientCredentialsTokenProvider(
    http,
    {
      tokenUrl: config.tokenUrl as string,
      clientId: config.clientId as string,
      clientSecret: config.clientSecret as string,
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
    TelemetryModule,
    HttpModule.registerAsync({
      inject: [crmConfig.KEY],
      useFactory: (config: ConfigType<typeof crmConfig>) => outboundHttpOptions(config.timeoutMs, MAX_TOKEN_ANSWER_BYTES),
    }),
  ],
  providers: [
    {
      provide: TokenProvider,
      inject: [crmConfig.KEY, HttpService, Telemetry],
      useFactory: tokenProvider,
    },
  ],
  exports: [TokenProvider],
})
export class TokenModule {}
