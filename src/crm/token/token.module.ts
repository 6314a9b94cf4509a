import { HttpModule, HttpService } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { crmConfig } from '../../config/crm.config';
import { TelemetryModule } from '../../telemetry/telemetry.module';
import { Tracing } from '../../telemetry/tracing';
import { outboundHttpOptions } from '../outbound/outbound-http';
import { TracingInterceptor } from '../outbound/tracing.interceptor';
import { CredentialFlows } from './credential-flows';

const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;

/**
 * The credential flows; the chosen connector's definition picks one (the Crm module's registry).
 * The token endpoint gets its own axios instance, with the same connect timeout and deadline as
 * the CRM API's; with tracing on, each token request is a client span of its own.
 */
@Module({
  imports: [
    TelemetryModule,
    HttpModule.registerAsync({
      inject: [crmConfig.KEY],
      useFactory: (config: ConfigType<typeof crmConfig>) =>
        outboundHttpOptions(config.timeoutMs, MAX_TOKEN_ANSWER_BYTES),
    }),
  ],
  providers: [CredentialFlows],
  exports: [CredentialFlows],
})
export class TokenModule {
  constructor(http: HttpService, tracing: Tracing) {
    if (tracing.enabled) http.axiosRef.interceptors.request.use(new TracingInterceptor(tracing, 'token').intercept);
  }
}
