import { Controller, Get, Headers, Inject } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { appConfig } from '../../config/app.config';
import { bearerMatches } from '../../shared/bearer';
import { ReadinessCheck } from './readiness-check';

/**
 * Terminus documents a health check by loading @nestjs/swagger (~170 modules with lodash) when
 * the decorator runs; the document's health answers come from openapi-operations.ts instead, so
 * swagger loads only when the OpenAPI routes are served.
 */
const HEALTH_CHECK = { noCache: true, swaggerDocumentation: false };

@Controller('health')
export class HealthController {
  constructor(
    @Inject(appConfig.KEY) private readonly config: ConfigType<typeof appConfig>,
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessCheck,
  ) {}

  /** Up while the process serves HTTP, shutting down included. */
  @Get('live')
  @HealthCheck(HEALTH_CHECK)
  live() {
    return this.health.check([]);
  }

  /**
   * 503 while shutting down or when the store cannot be written. Error texts (store, token
   * endpoint) only for a caller with the admin bearer token; others see states.
   */
  @Get('ready')
  @HealthCheck(HEALTH_CHECK)
  ready(@Headers('authorization') authorization?: string) {
    const admin = this.config.adminToken !== undefined && bearerMatches(authorization, this.config.adminToken);
    return this.readiness.run(admin);
  }
}
