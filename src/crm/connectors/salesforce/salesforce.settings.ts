import { Transform } from 'class-transformer';
import { IsOptional, Matches } from 'class-validator';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const trimmedOrUnset = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() || undefined : value;

/** One domain name (labels of letters, digits and inner hyphens), lower or upper case. */
const DOMAIN = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+';
const DOMAIN_LIST = new RegExp(`^${DOMAIN}(?:\\s*,\\s*${DOMAIN})*$`, 'i');

/** The variables only the Salesforce connector reads (validated at startup whichever connector is chosen). */
export class SalesforceSettings {
  @Transform(trimmed)
  @Matches(/^\d{2,3}\.\d$/, { message: 'SALESFORCE_API_VERSION must look like 62.0' })
  SALESFORCE_API_VERSION = '62.0';

  /**
   * Domains (each with its subdomains) a token answer's instance_url may name besides the token
   * URL's host and Salesforce's own (salesforce.com, force.com): e.g. Government Cloud's.
   */
  @IsOptional()
  @Transform(trimmedOrUnset)
  @Matches(DOMAIN_LIST, {
    message: 'SALESFORCE_INSTANCE_DOMAINS must be a comma-separated list of domain names (e.g. salesforce.mil)',
  })
  SALESFORCE_INSTANCE_DOMAINS?: string = undefined;
}
