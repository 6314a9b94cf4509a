import { Transform } from 'class-transformer';
import { IsInt, IsNumber, Max, Min } from 'class-validator';
import { toFloat, toInt } from './env-transforms';

/** The latency window and SLA the Metrics module reports against. */
export class MetricsEnvironment {
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  LATENCY_WINDOW = 1000;

  @Transform(toFloat)
  @IsNumber()
  @Min(0)
  SLA_THRESHOLD_SECONDS = 2.0;
}
