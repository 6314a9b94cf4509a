import { Controller, Get } from '@nestjs/common';
import { ApiDocs } from '../shared/api-docs';
import { LatencyService } from './latency.service';

const FIGURES = {
  total_requests: 1000,
  mean_latency_ms: 41.2,
  p50_latency_ms: 35.1,
  p95_latency_ms: 88.4,
  p99_latency_ms: 140.9,
  sla_compliance_percent: 100,
  sla_threshold_seconds: 2,
};

@Controller('metrics')
export class LatencyController {
  constructor(private readonly latency: LatencyService) {}

  @Get('latency')
  @ApiDocs((api) => [
    api.ApiTags('metrics'),
    api.ApiOperation({
      summary: 'SLA figures: end to end over the last LATENCY_WINDOW delivered events, `ack` over accepted webhooks',
    }),
    api.ApiResponse({
      status: 200,
      description: 'The figures (nearest-rank percentiles)',
      content: {
        'application/json': {
          examples: {
            figures: { value: { ...FIGURES, ack: { ...FIGURES, mean_latency_ms: 1.9 } } },
            noData: { value: { status: 'no_data' } },
          },
        },
      },
    }),
  ])
  report() {
    return this.latency.report();
  }
}
