import { Controller, Get, Res } from '@nestjs/common';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';
import { ApiDocs } from '../shared/api-docs';

/** The library's `GET /metrics`, subclassed (its documented way) only to be documented. */
@Controller()
export class MetricsController extends PrometheusController {
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
  override index(@Res({ passthrough: true }) response: Response) {
    return super.index(response);
  }
}
