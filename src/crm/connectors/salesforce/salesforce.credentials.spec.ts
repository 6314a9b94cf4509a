import { TokenUnavailableError } from '../../token/token-provider';
import { instanceUrlOf } from './salesforce.credentials';

const rule = { tokenUrl: 'https://acme.my.salesforce.com/services/oauth2/token', domains: ['salesforce.mil'] };
const base = (instance_url: unknown, r = rule) => instanceUrlOf({ access_token: 't', instance_url }, r);
const refused = (instance_url: unknown, r = rule) => {
  try {
    base(instance_url, r);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenUnavailableError);
    return (error as Error).message;
  }
  throw new Error(`${String(instance_url)} was accepted`);
};

describe('Salesforce instance_url (the API base a token answer names)', () => {
  it('is accepted on the token URL host, its subdomains, a Salesforce domain or an allowed one', () => {
    expect(base('https://acme.my.salesforce.com')).toBe('https://acme.my.salesforce.com');
    expect(base('https://ACME.my.salesforce.com/')).toBe('https://acme.my.salesforce.com');
    expect(base('https://acme--sandbox.sandbox.my.salesforce.com')).toBe(
      'https://acme--sandbox.sandbox.my.salesforce.com',
    );
    expect(base('https://acme.lightning.force.com')).toBe('https://acme.lightning.force.com');
    expect(base('https://acme.my.salesforce.mil')).toBe('https://acme.my.salesforce.mil');
    const own = { tokenUrl: 'https://login.example.org/oauth2/token', domains: [] };
    expect(base('https://api.login.example.org', own)).toBe('https://api.login.example.org');
  });

  it('plain http only on a loopback host (a local fake or tunnel), as CRM URLs', () => {
    const local = { tokenUrl: 'http://127.0.0.1:4010/services/oauth2/token', domains: [] };
    expect(base('http://127.0.0.1:4011', local)).toBe('http://127.0.0.1:4011');
    expect(refused('http://acme.my.salesforce.com')).toBe("token answer's instance_url refused: it is not https");
  });

  it('refuses userinfo, a query or a fragment, naming why and never the URL', () => {
    const userinfo = refused('https://user:s3cret@acme.my.salesforce.com');
    expect(userinfo).toBe("token answer's instance_url refused: it carries credentials (userinfo)");
    expect(refused('https://acme.my.salesforce.com?x=1')).toMatch(/a query or a fragment$/);
    expect(refused('https://acme.my.salesforce.com/?')).toMatch(/a query or a fragment$/);
    expect(refused('https://acme.my.salesforce.com#top')).toMatch(/a query or a fragment$/);
  });

  it('refuses any other host, however it is written', () => {
    for (const other of [
      'https://evil.example',
      'https://salesforce.com.evil.example',
      'https://evilsalesforce.com',
      'https://evil.example\\@acme.my.salesforce.com',
      'https://evil.example.',
    ]) {
      const why = refused(other);
      expect(why).toMatch(/its host .* is neither the token URL's nor a Salesforce domain/);
    }
  });

  it('refuses an answer without one', () => {
    for (const missing of [undefined, 7, '', 'not a url', '/services/data']) {
      expect(refused(missing)).toBe('token answer has no usable instance_url');
    }
  });
});
