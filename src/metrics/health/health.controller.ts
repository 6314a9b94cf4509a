import { Controller, Get, Headers, Inject } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { appConfig } from '../../config/app.config';
import { ApiDocs } from '../../shared/api-docs';
import { bearerMatches } from '../../shared/bearer';
import { ReadinessCheck } from './readiness-check';

/**
 * Terminus would document a health check by loading @nestjs/swagger when the decorator runs; the
 * routes are documented with `@ApiDocs` instead, applied only when the document is built.
 */
const HEALTH_CHECK = { noCache: true, swaggerDocumentation: false };

const verdict = (status: 'ok' | 'error', info: object, error: object = {}) => ({ status, info, error, details: {} });

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
  @ApiDocs((api) => [
    api.ApiTags('health'),
    api.ApiOperation({ summary: 'Liveness: 200 while the process serves HTTP (shutdown included)' }),
    api.ApiResponse({
      status: 200,
      description: 'Up',
      content: { 'application/json': { example: verdict('ok', {}) } },
    }),
  ])
  live() {
    return this.health.check([]);
  }

  /**
   * 503 while shutting down or when the store cannot be written. Error texts (store, token
   * endpoint) only for a caller with the admin bearer token; others see states.
   */
  @Get('ready')
  @HealthCheck(HEALTH_CHECK)
  @ApiDocs((api) => [
    api.ApiTags('health'),
    api.ApiOperation({ summary: 'Readiness: the store is writable and the service is not shutting down' }),
    api.ApiHeader({
      name: 'authorization',
      required: false,
      description: 'Bearer ADMIN_TOKEN: the answer then shows the error texts',
    }),
    api.ApiResponse({
      status: 200,
      description: 'Ready; details show breaker and token state (an open breaker does not make it unready)',
      content: {
        'application/json': {
          example: verdict('ok', { store: { status: 'up' }, crm: { status: 'up', breaker: 'closed' } }),
        },
      },
    }),
    api.ApiResponse({
      status: 503,
      description: 'Not ready: the store failed its latest commit, or the service is shutting down',
      content: { 'application/json': { example: verdict('error', {}, { lifecycle: { status: 'down' } }) } },
    }),
  ])
  ready(@Headers('authorization') authorization?: string) {
    const admin = this.config.adminToken !== undefined && bearerMatches(authorization, this.config.adminToken);
    return this.readiness.run(admin);
  }
}
