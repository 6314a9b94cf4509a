import { Controller, Get, Res } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { Response } from 'express';
import { MetricsRecorder } from './metrics-recorder';

/**
 * willsoto's /metrics endpoint, with the state gauges read from their source first. It lives in
 * PrometheusModule (willsoto registers it there), hence the non-strict lookup of the recorder.
 */
@Controller()
export class MetricsController extends PrometheusController {
  constructor(private readonly moduleRef: ModuleRef) {
    super();
  }

  @Get()
  override async index(@Res({ passthrough: true }) response: Response): Promise<string> {
    await this.moduleRef.get(MetricsRecorder, { strict: false }).refreshGauges();
    return super.index(response);
  }
}
