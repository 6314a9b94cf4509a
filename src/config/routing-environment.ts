import { Transform } from 'class-transformer';
import { IsOptional, IsString } from 'class-validator';
import { toTrimmed } from './env-transforms';

/** What each event becomes: the mappings file (unset: the built-in mapping). */
export class RoutingEnvironment {
  @Transform(toTrimmed)
  @IsOptional()
  @IsString()
  MAPPINGS_FILE?: string;
}
