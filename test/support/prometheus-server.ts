import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { freePort, runCommand, ServiceProcess } from './service-process';
import { waitFor } from './wait-for';

export const PROMETHEUS_DIR = join(__dirname, '..', '..', 'deploy', 'prometheus');

/** How often the test's Prometheus scrapes and evaluates (the shipped configuration says 15 s). */
const INTERVAL = '1s';

interface PrometheusConfig {
  global: Record<string, string>;
  rule_files: string[];
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
}

/**
 * deploy/prometheus/prometheus.yml as shipped, with its one scrape job pointed at `target`
 * (host:port), its rule files by absolute path and every interval at INTERVAL.
 */
function configFor(target: string): string {
  const config = parseYaml(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as PrometheusConfig;
  config.global = { scrape_interval: INTERVAL, scrape_timeout: INTERVAL, evaluation_interval: INTERVAL };
  config.rule_files = config.rule_files.map((file) => join(PROMETHEUS_DIR, file));
  const [job] = config.scrape_configs;
  job.static_configs = [{ targets: [target] }];
  return stringify(config);
}

export interface PrometheusServer {
  url: string;
  /** GET of Prometheus' HTTP API (`/api/v1/...`): its `data`, or a throw naming the error. */
  api<T>(path: string, query?: Record<string, string>): Promise<T>;
  /** Everything the server logged so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Debian's real `prometheus` on a free loopback port, scraping `target` with the shipped
 * configuration and alert rules, its storage in a temporary directory removed by stop().
 */
export async function startPrometheus(target: string): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ccs-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), configFor(target));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server: ServiceProcess = runCommand(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    {},
    dir,
  );
  const stop = async () => {
    await server.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (server.child.exitCode !== null) throw new Error(`prometheus exited:\n${server.output()}`);
        return (await fetch(`${url}/-/ready`)).status === 200;
      },
      { timeoutMs: 60_000, what: 'Prometheus ready' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    output: () => server.output(),
    stop,
    async api<T>(path: string, query: Record<string, string> = {}): Promise<T> {
      const res = await fetch(`${url}${path}?${new URLSearchParams(query)}`);
      const body = (await res.json()) as { status: string; data: T; error?: string };
      if (body.status !== 'success') throw new Error(`${path}: ${res.status} ${body.error}`);
      return body.data;
    },
  };
}
