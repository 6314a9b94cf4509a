import { Controller, Get } from '@nestjs/common';
import { LatencyService } from './latency.service';

@Controller('metrics')
export class LatencyController {
  constructor(private readonly latency: LatencyService) {}

  @Get('latency')
  report() {
    return this.latency.report();
  }
}
