import { TokenAnswer } from '../../token/client-credentials-token.provider';
import { TokenUnavailableError } from '../../token/token-provider';

/** Salesforce's own domains: an org's instance is on one of them (My Domain, Lightning, sites). */
const SALESFORCE_DOMAINS = ['salesforce.com', 'force.com'];

/** Where an org's API may be: the token URL's host and what it allows besides. */
export interface InstanceRule {
  /** CRM_TOKEN_URL: the instance may be its host or a subdomain of it. */
  tokenUrl: string;
  /** SALESFORCE_INSTANCE_DOMAINS: more domains (with their subdomains) allowed. */
  domains: string[];
}

const hostOf = (url: URL) => url.hostname.toLowerCase().replace(/\.$/, '');
const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
const onDomain = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

/**
 * Why the token answer's `instance_url` may not receive the bearer token and the records, or
 * undefined when it may. It must be https (plain http only on a loopback host, as for the CRM and
 * token URLs), carry no userinfo (it would replace the bearer with Basic credentials), no query or
 * fragment (they would bend every request's path), and be on the token URL's host, a Salesforce
 * domain or one SALESFORCE_INSTANCE_DOMAINS allows. The reasons never repeat the URL itself.
 */
function refusal(raw: string, url: URL, { tokenUrl, domains }: InstanceRule): string | undefined {
  const host = hostOf(url);
  if (url.username !== '' || url.password !== '') return 'it carries credentials (userinfo)';
  if (/[?#]/.test(raw)) return 'it has a query or a fragment';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(host))) return 'it is not https';
  const allowed = [hostOf(new URL(tokenUrl)), ...SALESFORCE_DOMAINS, ...domains.map((d) => d.toLowerCase())];
  if (!allowed.some((domain) => onDomain(host, domain))) {
    return `its host ${host} is neither the token URL's nor a Salesforce domain (salesforce.com, force.com, SALESFORCE_INSTANCE_DOMAINS)`;
  }
  return undefined;
}

/** The token answer's `instance_url`, the org's API base every request goes to, once it passes `rule`. */
export function instanceUrlOf(answer: TokenAnswer, rule: InstanceRule): string {
  const raw = typeof answer.instance_url === 'string' ? answer.instance_url.trim() : '';
  if (!URL.canParse(raw)) throw new TokenUnavailableError('token answer has no usable instance_url');
  const url = new URL(raw);
  const why = refusal(raw, url, rule);
  if (why) throw new TokenUnavailableError(`token answer's instance_url refused: ${why}`);
  // Rebuilt from its parts: what the requests are sent to is exactly what was checked.
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}
