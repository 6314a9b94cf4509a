import { readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { OperatorEvents } from '../src/queue/operator-events';
import { itWithPrometheus } from './support/prometheus-text';
import { PROMETHEUS_DIR, PrometheusServer, startPrometheus } from './support/prometheus-server';
import { sandboxedApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { DIALOG_ROUTE, postSigned, ticketDialog, unique } from './support/webhook-cases';

/**
 * deploy/prometheus/alerts.yml in Debian's real Prometheus (2.42) scraping the real app, as an
 * operator runs it, with 1 s scrape and evaluation intervals: every rule loads and evaluates, and
 * the first dead letter after a start fires CrmDeadLettersRising (a counter born at its first
 * increment would show Prometheus no increase, and only the second dead letter would fire it).
 */

const SECRET = 'prometheus-alerts-secret';
/** Generous: Prometheus and the app share two busy cores with other suites. */
const WAIT = { timeoutMs: 60_000 };

interface Rule {
  name: string;
  health: string;
  lastError?: string;
}
interface Alert {
  labels: Record<string, string>;
  state: string;
}
interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

const shippedAlertNames = () =>
  (
    parseYaml(readFileSync(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8')) as { groups: { rules: { alert: string }[] }[] }
  ).groups.flatMap((g) => g.rules.map((r) => r.alert));

describe('deploy/prometheus/alerts.yml in a real Prometheus scraping the app', () => {
  const { sandbox, app } = sandboxedApp({ COGNIGY_WEBHOOK_SECRETS: SECRET, CRM_MAX_ATTEMPTS: '1' });
  let prometheus: PrometheusServer | undefined;

  afterAll(async () => {
    await prometheus?.stop();
  });

  const rules = async () =>
    (await prometheus!.api<{ groups: { rules: Rule[] }[] }>('/api/v1/rules')).groups.flatMap((g) => g.rules);
  const alerts = async (name: string) =>
    (await prometheus!.api<{ alerts: Alert[] }>('/api/v1/alerts')).alerts.filter((a) => a.labels.alertname === name);
  const query = async (expr: string) =>
    (await prometheus!.api<{ result: Sample[] }>('/api/v1/query', { query: expr })).result;
  /** What Prometheus saw, for a timeout's message. */
  const seen = async () =>
    JSON.stringify({
      deadLetters: await query('crm_dead_letters_total'),
      alerts: await prometheus!.api('/api/v1/alerts'),
    });

  itWithPrometheus(
    'loads every rule with health ok, and fires CrmDeadLettersRising on the first dead letter after a start',
    async () => {
      const t = app();
      await t.app.listen(0, '127.0.0.1');
      const { port } = t.server.address() as AddressInfo;
      prometheus = await startPrometheus(`127.0.0.1:${port}`);

      await waitFor(async () => (await query('up{job="cognigy-crm-sync"} == 1')).length === 1, {
        ...WAIT,
        what: 'the app scraped and up',
      });
      // Every shipped rule loaded and evaluated without error.
      const names = shippedAlertNames();
      await waitFor(
        async () => {
          const loaded = await rules();
          return loaded.length === names.length && loaded.every((rule) => rule.health === 'ok');
        },
        { ...WAIT, what: 'every rule evaluated' },
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${JSON.stringify(await rules())}`);
      });
      expect((await rules()).map((rule) => [rule.name, rule.health, rule.lastError ?? ''])).toEqual(
        names.map((name) => [name, 'ok', '']),
      );

      // Two scrapes before the dead letter, as in any service that has run a little while.
      await waitFor(
        async () => Number((await query('count_over_time(up{job="cognigy-crm-sync"}[1m])'))[0]?.value[1]) >= 2,
        {
          ...WAIT,
          what: 'two scrapes',
        },
      );
      expect(await alerts('CrmDeadLettersRising')).toEqual([]);

      sandbox.inject({ status: 400, count: 1, body: { error: 'rejected_by_test' } });
      const dead = await postSigned(t, SECRET, DIALOG_ROUTE, ticketDialog(unique('T-PROM')));
      expect(dead.status).toBe(202);
      const store = t.app.get(OperatorEvents);
      await waitFor(async () => (await store.get(dead.body.eventId))?.state === 'dead', { what: 'the dead letter' });

      const firing = await waitFor(
        async () => (await alerts('CrmDeadLettersRising')).find((a) => a.state === 'firing'),
        { ...WAIT, what: 'CrmDeadLettersRising firing' },
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await seen()}`);
      });
      expect(firing.labels).toEqual({
        alertname: 'CrmDeadLettersRising',
        job: 'cognigy-crm-sync',
        object: 'ticket',
        severity: 'ticket',
      });
    },
    180_000,
  );
});
