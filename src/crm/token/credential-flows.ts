import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { CrmConfig } from '../../config/crm.config';
import { Telemetry } from '../../telemetry/telemetry';
import { Tracing } from '../../telemetry/tracing';
import { outboundHttpOptions } from '../outbound/outbound-http';
import { TracingInterceptor } from '../outbound/tracing.interceptor';
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

const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;

/**
 * The credential flows a connector chooses from (its definition's `credentials`), built from one
 * target's CRM settings (the shared CRM_* variables without ROUTES_FILE): OAuth2 client
 * credentials (with the CRM's quirks), a static token, HTTP Basic.
 */
export class CredentialFlows {
  constructor(
    private readonly config: CrmConfig,
    private readonly http: HttpService,
    private readonly telemetry: Telemetry,
  ) {}

  /**
   * The flows of one target: its token endpoint gets an axios instance of its own, with the same
   * connect timeout and deadline as its CRM API's; with tracing on, each token request is a client
   * span of its own.
   */
  static of(config: CrmConfig, telemetry: Telemetry, tracing: Tracing): CredentialFlows {
    const instance = axios.create(outboundHttpOptions(config.timeoutMs, MAX_TOKEN_ANSWER_BYTES));
    if (tracing.enabled) instance.interceptors.request.use(new TracingInterceptor(tracing, 'token').intercept);
    return new CredentialFlows(config, new HttpService(instance), telemetry);
  }

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
