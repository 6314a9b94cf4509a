import { api } from './api.js';
import { minuteChart } from './chart.js';
import { ago, breakable, el, facts, fill, table, time } from './dom.js';

const STATES = ['queued', 'delivered', 'dead', 'stale'];
const FIGURES = [
  ['p50', 'p50_latency_ms'],
  ['p95', 'p95_latency_ms'],
  ['p99', 'p99_latency_ms'],
  ['mean', 'mean_latency_ms'],
];

function latencyRows(sla) {
  const rows = [];
  if (sla && sla.total_requests !== undefined) rows.push(['End to end (receipt → CRM upsert)', sla]);
  if (sla && sla.ack && sla.ack.total_requests !== undefined) rows.push(['Ack (receipt → answer)', sla.ack]);
  return rows;
}

function latencyTable(sla) {
  const ms = (value) => (value === undefined ? '—' : `${Math.round(value * 10) / 10} ms`);
  return table(
    [
      { label: 'Path', class: 'text', cell: ([name]) => name },
      ...FIGURES.map(([label, key]) => ({ label, class: 'num', cell: ([, f]) => ms(f[key]) })),
      { label: 'SLA met', class: 'num', cell: ([, f]) => `${f.sla_compliance_percent}%` },
      { label: 'Samples', class: 'num', cell: ([, f]) => f.total_requests },
    ],
    latencyRows(sla),
    { empty: 'No latency data yet' },
  );
}

/** With routing: one row per target, its queue, breaker and token (the stats' `targets`). */
function targetTable(targets) {
  const token = (t) => (!t ? '—' : t.lastError ? 'failing' : t.cached ? 'cached' : 'none cached');
  return table(
    [
      { label: 'Target', class: 'text', cell: ([name]) => breakable(name) },
      { label: 'Connector', class: 'text', cell: ([, t]) => t.connector ?? '—' },
      ...STATES.map((state) => ({ label: state, class: 'num', cell: ([, t]) => t.states[state] })),
      {
        label: 'Breaker',
        cell: ([, t]) => el('span', { class: `breaker-${t.breaker}` }, t.breaker ?? '—'),
      },
      { label: 'Token', class: 'text', cell: ([, t]) => token(t.token) },
      { label: 'In flight', class: 'num', cell: ([, t]) => `${t.activeDeliveries ?? 0} / ${t.concurrency ?? '—'}` },
    ],
    Object.entries(targets),
    { empty: 'No target', rowProps: ([name]) => ({ dataset: { target: name } }) },
  );
}

function card(title, ...body) {
  return el('article', { class: 'card' }, el('h3', {}, title), ...body);
}

function renderOverview(body, stats) {
  const token = stats.token || {};
  const threshold = stats.sla && stats.sla.sla_threshold_seconds;
  fill(
    body,
    el(
      'div',
      { class: 'cards' },
      card('Events by state', facts(STATES.map((state) => [state, String(stats.states[state])]))),
      card('Oldest queued event', el('p', { class: 'big', id: 'oldest-queued' }, ago(stats.oldestQueuedAgeSeconds))),
      card('Circuit breaker', el('p', { class: `big breaker-${stats.breaker}`, id: 'breaker' }, stats.breaker)),
      card(
        'CRM token',
        facts([
          ['mode', token.mode],
          ['cached', token.cached ? 'yes' : 'no'],
          ['expires', time(token.expiresAt)],
          ['last error', token.lastError || 'none'],
        ]),
      ),
    ),
    stats.targets ? el('h3', {}, 'Targets') : null,
    stats.targets ? el('div', { id: 'targets' }, targetTable(stats.targets)) : null,
    el('h3', {}, 'Delivered and dead-lettered per minute (last hour)'),
    el(
      'div',
      { class: 'legend' },
      el('span', { class: 'swatch delivered' }),
      'delivered ',
      el('span', { class: 'swatch dead' }),
      'dead-lettered',
    ),
    minuteChart(stats.perMinute),
    el('h3', {}, threshold === undefined ? 'Latency' : `Latency (SLA: ${threshold} s)`),
    latencyTable(stats.sla),
  );
}

/** The overview, reloaded every 10 s while it is shown. */
export function loadOverview(section, ctx) {
  const body = el('div', { id: 'overview-body' });
  const refresher = ctx.autoRefresh(section, async () => renderOverview(body, (await api('GET', '/admin/stats')).body));
  fill(section, el('div', { class: 'heading' }, el('h2', {}, 'Overview'), refresher.bar), body);
  return refresher.now();
}
