import { Transform } from 'class-transformer';
import { IsOptional, IsString } from 'class-validator';
import { toTrimmed } from './env-transforms';

/** What each event becomes: the mappings file (unset: the built-in mapping), and where it goes. */
export class RoutingEnvironment {
  @Transform(toTrimmed)
  @IsOptional()
  @IsString()
  MAPPINGS_FILE?: string;

  /** Sources, targets and routes (docs/routing.md); unset: one source and one target, `default`, from the variables. */
  @Transform(toTrimmed)
  @IsOptional()
  @IsString()
  ROUTES_FILE?: string;
}
