import { Module } from '@nestjs/common';

/** Latency, Prometheus metrics and health: built in the observability issue. */
@Module({})
export class MetricsModule {}
