import { Module } from '@nestjs/common';
import { Telemetry } from './telemetry';

/** Owns the typed signals Webhook and Crm emit and Metrics observes; depends on nothing. */
@Module({ providers: [Telemetry], exports: [Telemetry] })
export class TelemetryModule {}
