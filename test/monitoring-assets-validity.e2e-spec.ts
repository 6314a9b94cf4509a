import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { alertQueries, analyse, dashboardQueries, PROMISED_SERIES } from './support/monitoring-queries';
import { PROMETHEUS_DIR } from './support/prometheus-server';
import { itWithPromtool, promtool } from './support/prometheus-text';

/**
 * The monitoring assets under deploy/ on their own: the alert rules pass `promtool check rules` and
 * their unit tests (one firing and one silent case per alert), the Prometheus configuration passes
 * `promtool check config`, and the Grafana dashboard's expressions are valid PromQL and chart every
 * promised series. Against the app's own series: test/monitoring-assets-series.e2e-spec.ts.
 */

describe('deploy/prometheus and deploy/grafana on their own', () => {
  itWithPromtool('alerts.yml passes `promtool check rules`', () => {
    const result = promtool(['check', 'rules', 'alerts.yml'], { cwd: PROMETHEUS_DIR });
    expect(result.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  itWithPromtool('alerts.yml passes its unit tests (`promtool test rules alerts.test.yml`)', () => {
    const result = promtool(['test', 'rules', 'alerts.test.yml'], { cwd: PROMETHEUS_DIR });
    expect(result.stdout).toMatch(/SUCCESS/);
  });

  it('every alert has a unit test that expects it to fire and one that expects silence', () => {
    const tests = parseYaml(readFileSync(join(PROMETHEUS_DIR, 'alerts.test.yml'), 'utf8')) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test);
    for (const { where } of alertQueries()) {
      const name = where.replace(/^alert /, '');
      const own = cases.filter((c) => c.alertname === name);
      expect({ name, fires: own.some((c) => c.exp_alerts.length > 0) }).toEqual({ name, fires: true });
      expect({ name, silent: own.some((c) => c.exp_alerts.length === 0) }).toEqual({ name, silent: true });
    }
  });

  itWithPromtool('prometheus.yml (docker-compose) passes `promtool check config` and loads the alert rules', () => {
    const result = promtool(['check', 'config', 'prometheus.yml'], { cwd: PROMETHEUS_DIR });
    expect(result.stdout).toMatch(/Checking alerts\.yml/);
  });

  itWithPromtool('every dashboard expression is valid PromQL for Prometheus itself (`promtool check rules`)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccs-dashboard-'));
    try {
      const rules = dashboardQueries().map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr }));
      writeFileSync(join(dir, 'dashboard-rules.json'), JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
      const result = promtool(['check', 'rules', 'dashboard-rules.json'], { cwd: dir });
      expect(result.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the dashboard charts every promised series', () => {
    const named = new Set(dashboardQueries().flatMap((q) => analyse(q.expr).selectors.map((s) => s.metric)));
    const missing = PROMISED_SERIES.filter(
      (series) => ![...named].some((n) => n === series || n.startsWith(`${series}_`)),
    );
    expect(missing).toEqual([]);
  });
});
