import { spawnSync, SpawnSyncReturns } from 'node:child_process';

/** One sample line of the Prometheus text format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL)) {
      labels[name] = value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const value = match[3] === '+Inf' ? Infinity : match[3] === '-Inf' ? -Infinity : Number(match[3]);
    samples.push({ name: match[1], labels, value });
  }
  return samples;
}

/** Sum of the samples of `name` whose labels include `labels`. */
export function sum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);
}

/** Metric family name → type, from the `# TYPE` lines. */
export function types(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
}

/** The commands of Debian's package `prometheus` the tests run. */
type PrometheusCommand = 'promtool' | 'prometheus';

const installed = (command: PrometheusCommand) => {
  const { error } = spawnSync(command, ['--version']);
  return !(error && 'code' in error && error.code === 'ENOENT');
};

/**
 * `it` for a test that needs `command` of the Debian package `prometheus`. Without it, outside CI,
 * the test is registered as skipped (with a notice), so it is counted and printed as skipped;
 * under CI=true it runs, and fails.
 */
function itWith(command: PrometheusCommand, name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  if (installed(command) || process.env.CI === 'true') return it(name, fn, timeout);
  console.warn(`NOTICE: ${command} not found (install the Debian package \`prometheus\`): "${name}" is SKIPPED`);
  it.skip(name, fn);
}

/** `it` for a test that runs the real `promtool`. */
export const itWithPromtool = (name: string, fn: jest.ProvidesCallback) => itWith('promtool', name, fn);

/** `it` for a test that runs the real Prometheus server. */
export const itWithPrometheus = (name: string, fn: jest.ProvidesCallback, timeout?: number) =>
  itWith('prometheus', name, fn, timeout);

/** Runs the real `promtool`; throws when it is missing or exits non-zero. */
export function promtool(args: string[], options: { input?: string; cwd?: string } = {}): SpawnSyncReturns<string> {
  const result = spawnSync('promtool', args, { ...options, encoding: 'utf8' });
  if (result.error && 'code' in result.error && result.error.code === 'ENOENT') {
    throw new Error('promtool is not installed (Debian package `prometheus`)');
  }
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`promtool ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}
