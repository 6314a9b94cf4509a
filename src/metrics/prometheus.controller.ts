import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Registry } from 'prom-client';
import { ApiDocs } from '../shared/api-docs';

/** `GET /metrics`: this application's registry in the Prometheus text format. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  @ApiDocs((api) => [
    api.ApiTags('metrics'),
    api.ApiOperation({ summary: 'Prometheus text format (docs/operations.md lists the series)' }),
    api.ApiProduces('text/plain'),
    api.ApiResponse({
      status: 200,
      description: 'Prometheus exposition',
      content: { 'text/plain': { schema: { type: 'string' }, example: 'crm_circuit_state 0\n' } },
    }),
  ])
  index(@Res({ passthrough: true }) response: Response): Promise<string> {
    response.setHeader('Content-Type', this.registry.contentType);
    return this.registry.metrics();
  }
}
