import { api, ApiError } from './api.js';
import { breakable, copyButton, el, facts, fill, idLink, notice, table, time } from './dom.js';

const KINDS = [
  ['eventId', 'Event id'],
  ['conversationId', 'Conversation id'],
  ['externalId', 'External id'],
];

/** `params`: the lookup in the address (#event?conversationId=...), so a result can be reloaded. */
export async function loadEventLookup(section, ctx, params) {
  const [kind, value] = KINDS.map(([name]) => [name, params.get(name)]).find(([, v]) => v) ?? ['eventId', ''];
  const select = el(
    'select',
    { name: 'kind', 'aria-label': 'Look up by' },
    KINDS.map(([name, label]) => el('option', { value: name, selected: name === kind }, label)),
  );
  const input = el('input', {
    name: 'value',
    type: 'search',
    value,
    required: true,
    'aria-label': 'Value',
    placeholder: 'id to look up',
  });
  const form = el(
    'form',
    { class: 'lookup panel', id: 'event-lookup' },
    select,
    input,
    el('button', { type: 'submit' }, 'Find'),
  );
  const status = el('p', { class: 'notice', role: 'status', hidden: true });
  const result = el('div', { id: 'event-result' });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.go(`#event?${new URLSearchParams({ [select.value]: input.value.trim() })}`);
  });
  fill(section, el('h2', {}, 'Event lookup'), form, status, result);
  if (!value) return;
  if (kind === 'eventId') return showEvent(result, status, value, ctx);
  const { body } = await api('GET', '/admin/events', { [kind]: value, limit: 100 });
  fill(
    result,
    el('h3', {}, `Events with ${KINDS.find(([name]) => name === kind)[1].toLowerCase()} ${value}`),
    table(
      [
        { label: 'Event', class: 'id', cell: (e) => idLink(e.eventId, 'event id') },
        ...(body.items.some((e) => e.target !== undefined)
          ? [{ label: 'Target', class: 'text', cell: (e) => breakable(e.target) }]
          : []),
        { label: 'State', cell: (e) => el('span', { class: `state state-${e.state}` }, e.state) },
        { label: 'Intent', class: 'text', cell: (e) => breakable(e.intent) },
        { label: 'External id', class: 'text', cell: (e) => breakable(e.externalId) },
        { label: 'Attempts', class: 'num', cell: (e) => e.attempts },
        { label: 'Received', class: 'time', cell: (e) => time(e.receivedAt) },
      ],
      body.items,
      { empty: 'No event found.' },
    ),
    body.nextCursor ? el('p', { class: 'hint' }, 'Showing the newest 100.') : null,
  );
}

async function showEvent(result, status, eventId, ctx) {
  let event;
  try {
    event = (await api('GET', `/admin/events/${encodeURIComponent(eventId)}`)).body;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404)
      return notice(status, 'error', `No event with id ${eventId}.`);
    throw error;
  }
  const refresh = () => ctx.run(() => showEvent(result, status, eventId, ctx));
  const act = (method, path, done) =>
    ctx.run(async () => {
      await api(method, path);
      notice(status, 'ok', done);
      await showEvent(result, status, eventId, ctx);
    });
  const path = `/admin/dead-letters/${encodeURIComponent(eventId)}`;
  fill(
    result,
    el(
      'div',
      { class: 'heading' },
      el('h3', {}, 'Event ', el('code', {}, event.eventId), ' ', copyButton(event.eventId, 'event id')),
      el('span', { class: `state state-${event.state}`, id: 'event-state' }, event.state),
    ),
    el(
      'div',
      { class: 'actions' },
      el('button', { type: 'button', id: 'refresh-event', onclick: refresh }, 'Refresh'),
      event.state === 'dead' &&
        el(
          'button',
          {
            type: 'button',
            id: 'replay-event',
            onclick: () => act('POST', `${path}/replay`, 'Replayed: queued for delivery.'),
          },
          'Replay',
        ),
      event.state === 'dead' &&
        el(
          'button',
          { type: 'button', class: 'danger', id: 'delete-event', onclick: () => act('DELETE', path, 'Deleted.') },
          'Delete',
        ),
    ),
    facts([
      ['Intent', event.intent],
      ['Object type', event.objectType],
      ['External id (CRM record)', event.externalId],
      ['CRM record id', event.crmRecordId ?? '—'],
      ['Conversation', event.conversationId],
      ['Received', time(event.receivedAt)],
      ['Delivered', time(event.deliveredAt)],
      ['Attempts since last replay', String(event.attempts)],
      ['Last status', event.lastStatus === null ? '—' : String(event.lastStatus)],
      ['Last error', event.lastError ?? '—'],
    ]),
    event.deliveries ? el('h3', {}, 'Deliveries') : null,
    event.deliveries ? deliveryTable(event.deliveries, path, act) : null,
    el('h3', {}, 'Attempts'),
    table(
      [
        { label: '#', class: 'num', cell: (a) => a.n },
        { label: 'At', class: 'time', cell: (a) => time(a.at) },
        { label: 'Status', class: 'num', cell: (a) => a.status ?? '—' },
        { label: 'Error', class: 'excerpt', cell: (a) => a.error ?? '' },
        { label: 'Duration', class: 'num', cell: (a) => `${a.durationMs} ms` },
      ],
      event.attemptHistory.map((a, i) => ({ ...a, n: i + 1 })),
      { empty: 'No CRM request made yet.' },
    ),
    el('h3', {}, 'Mapped upsert body'),
    el('pre', { class: 'body', id: 'upsert-body' }, JSON.stringify(event.upsert, null, 2)),
  );
}

/** With routing: each delivery of the event, its state, and replay or delete of a dead one. */
function deliveryTable(deliveries, path, act) {
  const actions = (d) => {
    if (d.state !== 'dead') return '';
    const query = `?target=${encodeURIComponent(d.target)}`;
    return el(
      'span',
      { class: 'row-actions' },
      el(
        'button',
        { type: 'button', onclick: () => act('POST', `${path}/replay${query}`, `Replayed for ${d.target}.`) },
        'Replay',
      ),
      el(
        'button',
        {
          type: 'button',
          class: 'danger',
          onclick: () => act('DELETE', `${path}${query}`, `Deleted for ${d.target}.`),
        },
        'Delete',
      ),
    );
  };
  return el(
    'div',
    { id: 'deliveries' },
    table(
      [
        { label: 'Target', class: 'text', cell: (d) => breakable(d.target) },
        { label: 'State', cell: (d) => el('span', { class: `state state-${d.state}` }, d.state) },
        { label: 'Attempts', class: 'num', cell: (d) => d.attempts },
        { label: 'Last status', class: 'num', cell: (d) => d.lastStatus ?? '—' },
        { label: 'Last error', class: 'excerpt', cell: (d) => d.lastError ?? '' },
        { label: 'Done at', class: 'time', cell: (d) => time(d.deliveredAt ?? d.failedAt) },
        { label: '', class: 'text', cell: actions },
      ],
      deliveries,
      { rowProps: (d) => ({ dataset: { target: d.target } }) },
    ),
  );
}
