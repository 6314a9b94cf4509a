import { Matches } from 'class-validator';
import { ConfigValidationError, ConnectorEnvironment, unsetVariables, validateEnvironment } from './environment';

/** A connector's own variables, as a connector folder declares them. */
class PlumSettings {
  @Matches(/^v\d+$/, { message: 'PLUM_API must look like v3' })
  PLUM_API = 'v3';
}

/** Stand-ins for the Crm module's registry: config knows connectors only through this interface. */
const CONNECTORS: ConnectorEnvironment[] = [
  { name: 'generic', maxBatchSize: 1, problems: () => [] },
  {
    name: 'plum',
    maxBatchSize: 50,
    Settings: PlumSettings,
    problems: (env) => unsetVariables(env, ['CRM_BASE_URL', 'CRM_ACCESS_TOKEN'], 'with CRM_CONNECTOR=plum'),
  },
];

function problemsOf(raw: Record<string, string>): string[] {
  try {
    validateEnvironment(raw, CONNECTORS);
  } catch (error) {
    return (error as ConfigValidationError).problems;
  }
  throw new Error('expected a refusal');
}

describe('validateEnvironment with the connectors it is given', () => {
  it('refuses a CRM_CONNECTOR none of them has, listing theirs', () => {
    expect(problemsOf({ CRM_CONNECTOR: 'siebel' })).toEqual(['CRM_CONNECTOR: must be one of generic, plum']);
  });

  it('names each variable the chosen connector requires, and a batch size beyond its limit', () => {
    expect(problemsOf({ CRM_CONNECTOR: 'plum', CRM_BATCH_SIZE: '51' })).toEqual([
      'CRM_BASE_URL: required with CRM_CONNECTOR=plum',
      'CRM_ACCESS_TOKEN: required with CRM_CONNECTOR=plum',
      'CRM_BATCH_SIZE: at most 50 with CRM_CONNECTOR=plum',
    ]);
    expect(problemsOf({ CRM_CONNECTOR: 'Generic', CRM_BATCH_SIZE: '2' })).toEqual([
      'CRM_BATCH_SIZE: at most 1 with CRM_CONNECTOR=generic (it does not batch)',
    ]);
  });

  it('names a requirement once: a variable already refused for its value is not also called missing', () => {
    expect(problemsOf({ CRM_CONNECTOR: 'plum', CRM_BASE_URL: 'not a url', CRM_ACCESS_TOKEN: 't' })).toEqual([
      expect.stringMatching(/^CRM_BASE_URL: /),
    ]);
  });

  it("checks every connector's own variables, and hands the chosen one's over with their defaults", () => {
    expect(problemsOf({ PLUM_API: '3' })).toEqual(['PLUM_API: must look like v3']);
    const chosen = validateEnvironment(
      { CRM_CONNECTOR: 'plum', CRM_BASE_URL: 'https://plum.example', CRM_ACCESS_TOKEN: 't' },
      CONNECTORS,
    );
    expect(chosen.connectorSettings).toBeInstanceOf(PlumSettings);
    expect(chosen.connectorSettings).toEqual({ PLUM_API: 'v3' });
    expect(chosen).not.toHaveProperty('PLUM_API');
    expect(validateEnvironment({ PLUM_API: 'v4' }, CONNECTORS).connectorSettings).toEqual({});
  });
});
