import { Matches } from 'class-validator';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError, ConnectorEnvironment, unsetVariables } from './environment';
import { validateConfiguration } from './load-environment';
import { RoutingConfig } from './routing.config';

class PlumSettings {
  @Matches(/^v\d+$/, { message: 'PLUM_API must look like v3' })
  PLUM_API = 'v3';
}

/** Stand-ins for the Crm module's registry: config knows connectors only through this interface. */
const CONNECTORS: ConnectorEnvironment[] = [
  {
    name: 'generic',
    maxBatchSize: 1,
    // As the real one: credentials once a CRM is named (the sandbox stands in otherwise).
    problems: (env) =>
      env.CRM_BASE_URL === undefined
        ? []
        : unsetVariables(env, ['CRM_TOKEN_URL', 'CRM_CLIENT_ID', 'CRM_CLIENT_SECRET'], 'here'),
  },
  {
    name: 'plum',
    maxBatchSize: 50,
    Settings: PlumSettings,
    problems: (env) => unsetVariables(env, ['CRM_BASE_URL', 'CRM_ACCESS_TOKEN'], 'with CRM_CONNECTOR=plum'),
  },
];

const SECRETS = {
  CHAT_HMAC: 'chat-secret-never-printed',
  VOICE_KEYS: 'voice-key-1,voice-key-2',
  PLUM_TOKEN: 'plum-token-never-printed',
  GEN_SECRET: 'gen-secret-never-printed',
};

const GOOD = `
sources:
  chat:
    auth: [hmac]
    settings: { WEBHOOK_REQUIRE_TIMESTAMP: true }
    secrets: { COGNIGY_WEBHOOK_SECRETS: CHAT_HMAC }
  voice:
    auth: apikey
    secrets: { WEBHOOK_API_KEYS: VOICE_KEYS }
    mappings: voice-mappings.json
targets:
  plum-eu:
    connector: plum
    settings: { CRM_BASE_URL: "https://plum.example.com/", CRM_CONCURRENCY: 4, CRM_AUTH: static, PLUM_API: v4 }
    secrets: { CRM_ACCESS_TOKEN: PLUM_TOKEN }
  desk:
    connector: generic
    settings:
      CRM_BASE_URL: https://desk.example.com
      CRM_TOKEN_URL: https://desk.example.com/token
      CRM_CLIENT_ID: ccs
      CRM_BATCH_WAIT_MS: 0
    secrets: { CRM_CLIENT_SECRET: GEN_SECRET }
routes:
  - source: chat
    targets: [{ target: plum-eu }, { target: desk, mappings: [] }]
  - source: chat
    intent: log_support_ticket
    targets: [{ target: desk }]
  - source: voice
    targets: [{ target: plum-eu }]
`;

describe('ROUTES_FILE', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-routes-'));
    writeFileSync(join(dir, 'voice-mappings.json'), '{"mappings": []}');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function load(text: string, name = 'routes.yaml', extra: Record<string, string> = {}) {
    const file = join(dir, name);
    writeFileSync(file, text);
    return validateConfiguration({ ROUTES_FILE: file, ...SECRETS, ...extra }, CONNECTORS);
  }

  function problemsOf(text: string, extra: Record<string, string> = {}): string[] {
    try {
      load(text, 'bad.yaml', extra);
    } catch (error) {
      if (!(error instanceof ConfigValidationError)) throw error;
      for (const secret of Object.values(SECRETS)) expect(error.message).not.toContain(secret);
      return error.problems;
    }
    throw new Error('expected a refusal');
  }

  it('describes sources, targets and routes, each target read by the environment rules', () => {
    const routing = load(GOOD).routing as RoutingConfig;
    expect(routing.fromFile).toBe(true);
    const [chat, voice] = routing.sources;
    expect(chat).toMatchObject({ name: 'chat', mapping: {} });
    expect(chat.auth).toMatchObject({ authModes: ['hmac'], hmacSecrets: [SECRETS.CHAT_HMAC], requireTimestamp: true });
    expect(voice.auth).toMatchObject({
      authModes: ['apikey'],
      apiKeys: ['voice-key-1', 'voice-key-2'],
      hmacSecrets: [],
    });
    expect(voice.mapping).toEqual({ mappingsFile: join(dir, 'voice-mappings.json') });
    const [plum, desk] = routing.targets;
    expect(plum.crm).toMatchObject({
      connector: 'plum',
      baseUrl: 'https://plum.example.com',
      concurrency: 4,
      auth: 'static',
      accessToken: SECRETS.PLUM_TOKEN,
      connectorSettings: { PLUM_API: 'v4' },
      // Defaults, as the environment's.
      batchSize: 1,
      maxAttempts: 15,
    });
    expect(plum.crm.connectorSettings).toBeInstanceOf(PlumSettings);
    expect(desk.crm).toMatchObject({ connector: 'generic', clientSecret: SECRETS.GEN_SECRET, batchWaitMs: 0 });
    expect(routing.routes).toEqual([
      {
        source: 'chat',
        intent: '*',
        targets: [
          { target: 'plum-eu', mapping: {} },
          { target: 'desk', mapping: { inline: { where: 'routes[0].targets[1].mappings', mappings: [] } } },
        ],
      },
      { source: 'chat', intent: 'log_support_ticket', targets: [{ target: 'desk', mapping: {} }] },
      { source: 'voice', intent: '*', targets: [{ target: 'plum-eu', mapping: voice.mapping }] },
    ]);
  });

  it('reads JSON as well', () => {
    const json = JSON.stringify({
      sources: { chat: { secrets: { COGNIGY_WEBHOOK_SECRETS: 'CHAT_HMAC' } } },
      targets: {
        t: {
          connector: 'plum',
          settings: { CRM_BASE_URL: 'https://p.example.com' },
          secrets: { CRM_ACCESS_TOKEN: 'PLUM_TOKEN' },
        },
      },
      routes: [{ source: 'chat', targets: [{ target: 't' }] }],
    });
    expect(load(json, 'routes.json').routing?.routes).toHaveLength(1);
  });

  it('names every problem by its path in the file, in one error, never a secret', () => {
    const problems = problemsOf(`
sources:
  Chat Bot: { secrets: { COGNIGY_WEBHOOK_SECRETS: CHAT_HMAC } }
  voice:
    auth: [hmac, carrier-pigeon, basic]
    settings: { WEBHOOK_BASIC_USER: bot, WEBHOOK_BASIC_PASSWORD: hunter2, COLOUR: blue }
    secrets: { WEBHOOK_API_KEYS: "not a name" }
    mappings: missing.json
  web: { secrets: { COGNIGY_WEBHOOK_SECRETS: UNSET_VARIABLE } }
targets:
  crm-eu:
    connector: plum
    settings: { CRM_BASE_URL: not-a-url, CRM_TOKEN_URL: "ftp://x", CRM_CONCURRENCY: 0, CRM_BATCH_SIZE: 51, PLUM_API: four }
    secrets: { CRM_CLIENT_SECRET: PLUM_TOKEN }
  desk:
    connector: generic
    settings: { CRM_CLIENT_SECRET: in-the-file, CRM_RETRY_BASE_MS: 5000, CRM_RETRY_MAX_MS: 10 }
  other: { connector: pigeon, extra: 1 }
routes:
  - source: chat
    targets: [{ target: x }]
  - source: web
    intent: ""
    targets: []
  - source: web
    targets: [{ target: desk }, { target: desk }]
  - { source: web, targets: [{ target: desk }] }
`);
    const expected = [
      expect.stringMatching(/^sources\.Chat Bot: a name must be lowercase letters/),
      expect.stringMatching(/^sources\.voice\.auth: unknown mode "carrier-pigeon"/),
      'sources.voice.settings.WEBHOOK_BASIC_PASSWORD: a secret is never written in the file: name its environment variable under secrets',
      expect.stringMatching(/^sources\.voice\.settings\.COLOUR: not a setting here/),
      expect.stringMatching(/^sources\.voice\.secrets\.WEBHOOK_API_KEYS: must be the name of an environment variable/),
      expect.stringMatching(/^sources\.voice\.secrets\.COGNIGY_WEBHOOK_SECRETS: required when hmac auth is enabled/),
      expect.stringMatching(/^sources\.voice\.mappings: .*missing\.json cannot be read \(ENOENT\)/),
      'sources.web.secrets.COGNIGY_WEBHOOK_SECRETS: environment variable UNSET_VARIABLE is not set',
      expect.stringMatching(/^targets\.crm-eu\.settings\.CRM_BASE_URL: must be a URL address/),
      expect.stringMatching(/^targets\.crm-eu\.settings\.CRM_TOKEN_URL: must be a URL address/),
      expect.stringMatching(/^targets\.crm-eu\.settings\.CRM_CONCURRENCY: must not be less than 1/),
      'targets.crm-eu.settings.CRM_BATCH_SIZE: at most 50 with CRM_CONNECTOR=plum',
      'targets.crm-eu.settings.PLUM_API: must look like v3',
      'targets.crm-eu.secrets.CRM_ACCESS_TOKEN: required with CRM_CONNECTOR=plum',
      'targets.desk.settings.CRM_CLIENT_SECRET: a secret is never written in the file: name its environment variable under secrets',
      'targets.desk.settings.CRM_BASE_URL: required for a generic target',
      'targets.desk.settings.CRM_RETRY_MAX_MS: must not be smaller than CRM_RETRY_BASE_MS',
      expect.stringMatching(/^targets\.other: unknown key\(s\) extra/),
      'targets.other.connector: must be one of generic, plum',
      "routes[0].source: unknown source 'chat' (sources: Chat Bot, voice, web)",
      'sources.voice.secrets.WEBHOOK_BASIC_PASSWORD: required when basic auth is enabled',
      "routes[0].targets[0].target: unknown target 'x' (targets: crm-eu, desk, other)",
      'routes[1].intent: must be a non-empty string',
      'routes[1].targets: must list at least one target',
      "routes[2].targets[1].target: 'desk' is listed twice in this route",
      "routes[3]: source 'web' and intent '*' are routed by routes[2] already",
    ];
    for (const problem of expected) expect(problems).toContainEqual(problem);
    expect(problems).toHaveLength(expected.length);
    expect(problems.join('\n')).not.toContain('hunter2');
    expect(problems.join('\n')).not.toContain('in-the-file');
  });

  it('names what is missing at the top, and an unreadable or malformed file', () => {
    expect(problemsOf('colour: blue\n')).toEqual([
      expect.stringMatching(/^ROUTES_FILE: unknown key\(s\) colour/),
      'sources: must be a map of names to sources, at least one',
      'targets: must be a map of names to targets, at least one',
      'routes: must list at least one route',
    ]);
    expect(problemsOf('sources: [\n')).toEqual([expect.stringMatching(/^ROUTES_FILE: .*bad\.yaml is not valid YAML/)]);
    expect(() => validateConfiguration({ ROUTES_FILE: join(dir, 'nowhere.yaml'), PORT: 'abc' }, CONNECTORS)).toThrow(
      /PORT: [^]*ROUTES_FILE: .*nowhere\.yaml cannot be read \(ENOENT\)/,
    );
  });

  it('refuses MAPPINGS_FILE beside it (the file names its own mappings)', () => {
    expect(() => load(GOOD, 'routes.yaml', { MAPPINGS_FILE: 'mappings.json' })).toThrow(
      /MAPPINGS_FILE: not read with ROUTES_FILE/,
    );
  });

  it('leaves the environment as it was without ROUTES_FILE', () => {
    expect(validateConfiguration({}, CONNECTORS).routing).toBeUndefined();
  });
});
