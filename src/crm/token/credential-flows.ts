import { HttpService } from '@nestjs/axios';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { crmConfig } from '../../config/crm.config';
import { Telemetry } from '../../telemetry/telemetry';
import { BasicCredentialsProvider } from './basic-credentials.provider';
import { ClientCredentials, ClientCredentialsTokenProvider } from './client-credentials-token.provider';
import { StaticTokenProvider } from './static-token.provider';
import { TokenProvider } from './token-provider';

/** A variable the chosen connector's settings made required, read once the environment was validated. */
function validated(value: string | undefined, variable: string): string {
  // Startup validation names the variable first; this holds only if a connector forgot to require it.
  if (value === undefined) throw new Error(`${variable} is not set (the connector's settings must require it)`);
  return value;
}

/**
 * The credential flows a connector chooses from (its definition's `credentials`), built from the
 * shared CRM_* variables: OAuth2 client credentials (with the CRM's quirks), a static token, HTTP
 * Basic. The token endpoint has its own axios instance (TokenModule).
 */
@Injectable()
export class CredentialFlows {
  constructor(
    @Inject(crmConfig.KEY) private readonly config: ConfigType<typeof crmConfig>,
    private readonly http: HttpService,
    private readonly telemetry: Telemetry,
  ) {}

  /** CRM_TOKEN_URL, CRM_CLIENT_ID, CRM_CLIENT_SECRET, CRM_CLIENT_AUTH, CRM_SCOPES, unless `overrides` says otherwise. */
  clientCredentials(overrides: Partial<ClientCredentials> = {}): TokenProvider {
    const { config } = this;
    return new ClientCredentialsTokenProvider(
      this.http,
      {
        tokenUrl: validated(config.tokenUrl, 'CRM_TOKEN_URL'),
        clientId: validated(config.clientId, 'CRM_CLIENT_ID'),
        clientSecret: validated(config.clientSecret, 'CRM_CLIENT_SECRET'),
        clientAuth: config.clientAuth,
        scopes: config.scopes,
        timeoutMs: config.timeoutMs,
        ...overrides,
      },
      (result) => this.telemetry.emit('tokenRequested', { result }),
    );
  }

  /** CRM_ACCESS_TOKEN, sent as a bearer token. */
  staticToken(): TokenProvider {
    return new StaticTokenProvider(validated(this.config.accessToken, 'CRM_ACCESS_TOKEN'));
  }

  /** CRM_BASIC_USER and CRM_BASIC_PASSWORD, sent as HTTP Basic. */
  basic(): TokenProvider {
    const { basicUser, basicPassword } = this.config;
    return new BasicCredentialsProvider(
      validated(basicUser, 'CRM_BASIC_USER'),
      validated(basicPassword, 'CRM_BASIC_PASSWORD'),
    );
  }
}
