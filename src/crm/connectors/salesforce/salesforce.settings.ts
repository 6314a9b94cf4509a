import { Transform } from 'class-transformer';
import { Matches } from 'class-validator';

/** The variables only the Salesforce connector reads (validated at startup whichever connector is chosen). */
export class SalesforceSettings {
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @Matches(/^\d{2,3}\.\d$/, { message: 'SALESFORCE_API_VERSION must look like 62.0' })
  SALESFORCE_API_VERSION = '62.0';
}
