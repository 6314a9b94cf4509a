import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import { toBool, toFloat, toInt, toLower, toTrimmed } from './env-transforms';

/** The OTEL_TRACES_SAMPLER values the SDK's own samplers implement (jaeger_remote and xray need more). */
export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TracesSampler = (typeof TRACES_SAMPLERS)[number];

const OTLP_URL = { protocols: ['http', 'https'], require_tld: false, require_protocol: true };
/** OTLP header lists: `key=value` pairs separated by commas, values percent-encoded. */
const HEADER_LIST = /^\s*[^\s=,]+\s*=[^,]*(,\s*[^\s=,]+\s*=[^,]*)*$/;

/**
 * The standard OpenTelemetry variables the tracing reads
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/). Tracing is
 * on only when an OTLP endpoint is set and OTEL_SDK_DISABLED is not true.
 */
export class TracingEnvironment {
  @Transform(toBool)
  @IsBoolean()
  OTEL_SDK_DISABLED = false;

  /** The collector's base URL: traces go to <it>/v1/traces. */
  @Transform(toTrimmed)
  @IsOptional()
  @IsUrl(OTLP_URL)
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** The traces URL itself (used as is, before OTEL_EXPORTER_OTLP_ENDPOINT). */
  @Transform(toTrimmed)
  @IsOptional()
  @IsUrl(OTLP_URL)
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;

  /** Only http/json: the exporter sends OTLP over HTTP with JSON bodies. */
  @Transform(toLower)
  @IsOptional()
  @IsIn(['http/json'])
  OTEL_EXPORTER_OTLP_PROTOCOL?: string;

  @Transform(toLower)
  @IsOptional()
  @IsIn(['http/json'])
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?: string;

  /** Sent with every export (e.g. a vendor's API key): never logged. */
  @IsOptional()
  @IsString()
  OTEL_EXPORTER_OTLP_HEADERS?: string;

  @IsOptional()
  @IsString()
  OTEL_EXPORTER_OTLP_TRACES_HEADERS?: string;

  @Transform(toTrimmed)
  @IsString()
  OTEL_SERVICE_NAME = 'cognigy-crm-sync';

  @Transform(toLower)
  @IsIn(TRACES_SAMPLERS)
  OTEL_TRACES_SAMPLER: TracesSampler = 'parentbased_always_on';

  /** The ratio of the traceidratio samplers (else unused). */
  @Transform(toFloat)
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  OTEL_TRACES_SAMPLER_ARG?: number;

  /** Milliseconds between two exports of the spans ended meanwhile. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(600_000)
  OTEL_BSP_SCHEDULE_DELAY = 5000;
}

const HEADER_VARIABLES = ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'] as const;

/** Header lists that do not parse (the message never repeats a value: it may hold an API key). */
export function tracingProblems(env: TracingEnvironment): string[] {
  return HEADER_VARIABLES.filter((name) => env[name] !== undefined && !HEADER_LIST.test(env[name])).map(
    (name) => `${name}: must be a comma-separated list of key=value`,
  );
}

/** The headers of an OTLP header list, values percent-decoded. */
export function otlpHeaders(list: string | undefined): Record<string, string> {
  if (list === undefined || list.trim() === '') return {};
  return Object.fromEntries(
    list.split(',').map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at).trim(), decodeURIComponent(pair.slice(at + 1).trim())];
    }),
  );
}

/** Where spans are exported: the traces endpoint as given, else <the endpoint>/v1/traces; undefined: none set. */
export function otlpTracesUrl(env: TracingEnvironment): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`;
}
