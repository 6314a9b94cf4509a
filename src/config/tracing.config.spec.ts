import { ConfigValidationError, EnvironmentWithCrm, validateEnvironment } from './environment';
import { tracingConfig } from './tracing.config';

const CONNECTORS = [{ name: 'generic', maxBatchSize: 1, problems: () => [] }];
const tracing = (raw: Record<string, string>) =>
  tracingConfig(validateEnvironment(raw, CONNECTORS) as EnvironmentWithCrm);

function problems(raw: Record<string, string>): string[] {
  try {
    validateEnvironment(raw, CONNECTORS);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('tracing config (OTEL_* variables)', () => {
  it('is off without an endpoint, with the standard defaults', () => {
    expect(tracing({})).toEqual({
      enabled: false,
      tracesUrl: '',
      headers: {},
      serviceName: 'cognigy-crm-sync',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      scheduleDelayMs: 5000,
    });
  });

  it('exports to <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces, or to the traces endpoint as given', () => {
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toMatchObject({
      enabled: true,
      tracesUrl: 'http://collector:4318/v1/traces',
    });
    expect(
      tracing({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://api.honeycomb.io/v1/traces',
      }).tracesUrl,
    ).toBe('https://api.honeycomb.io/v1/traces');
  });

  it('stays off when OTEL_SDK_DISABLED is true, endpoint or not', () => {
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' })).toMatchObject({
      enabled: false,
      tracesUrl: '',
    });
  });

  it('reads sampler, ratio, service name and percent-encoded headers (traces headers win)', () => {
    expect(
      tracing({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_TRACES_SAMPLER: 'ParentBased_TraceIdRatio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        OTEL_SERVICE_NAME: 'crm-sync-eu',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-honeycomb-team=abc%3D, x-other=1',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-other=2',
      }),
    ).toMatchObject({
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
      serviceName: 'crm-sync-eu',
      headers: { 'x-honeycomb-team': 'abc=', 'x-other': '2' },
    });
  });

  it('stops startup naming every bad OTEL variable, never its value', () => {
    const found = problems({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_TRACES_SAMPLER: 'jaeger_remote',
      OTEL_TRACES_SAMPLER_ARG: '2',
      OTEL_SDK_DISABLED: 'maybe',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key-secret-value',
      OTEL_BSP_SCHEDULE_DELAY: '0',
    });
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual([
      'OTEL_BSP_SCHEDULE_DELAY',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_HEADERS',
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      'OTEL_SDK_DISABLED',
      'OTEL_TRACES_SAMPLER',
      'OTEL_TRACES_SAMPLER_ARG',
    ]);
    expect(found.join('\n')).not.toContain('api-key-secret-value');
  });
});
