import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfiguration } from '../src/config/load-environment';
import { CONNECTORS } from '../src/crm/connector-registry';

/**
 * docs/routing.md's worked examples are routing files an operator copies: each YAML block of that
 * section is validated as a ROUTES_FILE with the real connector registry, its secrets' variables
 * set, and must describe the sources, targets and routes its text says.
 */
const doc = readFileSync(join(__dirname, '..', 'docs', 'routing.md'), 'utf8');
const section = doc.slice(doc.indexOf('## Worked examples'), doc.indexOf('## The routing file: reference'));
const examples = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);

const SECRETS = {
  CHAT_WEBHOOK_SECRETS: 'chat-secret',
  VOICE_WEBHOOK_SECRETS: 'voice-secret',
  SALESFORCE_CLIENT_SECRET: 'sf-secret',
  SERVICENOW_PASSWORD: 'sn-password',
};

describe('docs/routing.md worked examples', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'routing-docs-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const validated = (index: number) => {
    const file = join(dir, `example-${index}.yaml`);
    writeFileSync(file, examples[index]);
    return validateConfiguration({ ROUTES_FILE: file, ...SECRETS }, CONNECTORS).routing!;
  };

  it('the section holds the two examples', () => {
    expect(examples).toHaveLength(2);
  });

  it('two Cognigy projects into one CRM: sources chat and voice, each with its own secret, to target crm', () => {
    const routing = validated(0);
    expect(routing.sources.map((s) => [s.name, s.auth.hmacSecrets])).toEqual([
      ['chat', ['chat-secret']],
      ['voice', ['voice-secret']],
    ]);
    expect(routing.targets.map((t) => [t.name, t.crm.connector])).toEqual([['crm', 'salesforce']]);
    expect(routing.routes.map((r) => [r.source, r.intent, r.targets.map((t) => t.target)])).toEqual([
      ['chat', '*', ['crm']],
      ['voice', '*', ['crm']],
    ]);
  });

  it('one project into Salesforce and ServiceNow: log_support_ticket fanned out, update_customer_profile to crm only', () => {
    const routing = validated(1);
    expect(routing.targets.map((t) => [t.name, t.crm.connector])).toEqual([
      ['crm', 'salesforce'],
      ['desk', 'servicenow'],
    ]);
    const desk = routing.targets.find((t) => t.name === 'desk')!.crm;
    expect([desk.basicPassword, desk.rateLimitPerSecond, desk.concurrency]).toEqual(['sn-password', 5, 4]);
    expect(routing.routes.map((r) => [r.intent, r.targets.map((t) => t.target)])).toEqual([
      ['log_support_ticket', ['crm', 'desk']],
      ['update_customer_profile', ['crm']],
    ]);
  });
});
