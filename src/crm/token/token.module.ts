import { HttpModule, HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { crmConfig } from '../../config/crm.config';
import { Telemetry } from '../../telemetry/telemetry';
import { TelemetryModule } from '../../telemetry/telemetry.module';
import { outboundHttpOptions } from '../client/outbound-http';
import { BasicCredentialsProvider } from './basic-credentials.provider';
import { ClientCredentials, ClientCredentialsTokenProvider } from './client-credentials-token.provider';
import { StaticTokenProvider } from './static-token.provider';
import { TokenProvider } from './token-provider';

const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;

/**
 * The token flow the connector needs: Salesforce and Dataverse use client credentials with the
 * secret in the form (Salesforce's answer names the API base and has no lifetime; Entra ID wants
 * the `<CRM_BASE_URL>/.default` scope), HubSpot a static private-app token, Zendesk Basic or a
 * static token; the generic connector follows CRM_AUTH.
 */
function tokenProvider(config: ConfigType<typeof crmConfig>, http: HttpService, telemetry: Telemetry): TokenProvider {
  const clientCredentials = (overrides: Partial<ClientCredentials>) =>
    new ClientCredentialsTokenProvider(
      http,
      {
        tokenUrl: config.tokenUrl as string,
        clientId: config.clientId as string,
        clientSecret: config.clientSecret as string,
        clientAuth: config.clientAuth,
        scopes: config.scopes,
        timeoutMs: config.timeoutMs,
        ...overrides,
      },
      (result) => telemetry.emit('tokenRequested', { result }),
    );
  const staticToken = () => new StaticTokenProvider(config.accessToken as string);
  switch (config.connector) {
    case 'salesforce':
      return clientCredentials({ clientAuth: 'post', scopes: '', salesforce: true });
    case 'dataverse':
      return clientCredentials({ clientAuth: 'post', scopes: `${config.baseUrl}/.default` });
    case 'hubspot':
      return staticToken();
    case 'zendesk':
      return config.auth === 'basic'
        ? new BasicCredentialsProvider(config.basicUser as string, config.basicPassword as string)
        : staticToken();
    case 'generic':
      return config.auth === 'static' ? staticToken() : clientCredentials({});
  }
}

/** The token endpoint gets its own axios instance, with the same connect timeout and deadline as the CRM API's. */
@Module({
  imports: [
    TelemetryModule,
    HttpModule.registerAsync({
      inject: [crmConfig.KEY],
      useFactory: (config: ConfigType<typeof crmConfig>) =>
        outboundHttpOptions(config.timeoutMs, MAX_TOKEN_ANSWER_BYTES),
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
