import { api } from './api.js';
import { filterForm } from './dead-letter-filters.js';
import { breakable, el, fill, idLink, notice, table, time } from './dom.js';

const PAGE_SIZE = 25;

/**
 * `params`: the filters in the address (#dead-letters?target=crm&…). Everything the screen lists,
 * counts and replays in bulk is what those filters match: the list shown.
 */
export async function loadDeadLetters(section, ctx, params) {
  const address = window.location.hash;
  const routing = (await api('GET', '/admin/route-names')).body;
  // Left, signed out or other filters chosen while the names were asked for: not this screen's to fill.
  if (section.hidden || window.location.hash !== address) return;
  const { form, query, describe } = filterForm(params, routing, ctx);
  const status = el('p', { class: 'notice', role: 'status', hidden: true });
  const confirmBox = el('div', { class: 'confirm', id: 'replay-all-confirm', hidden: true });
  const list = el('div', { id: 'dead-letter-list' });
  const actions = el(
    'div',
    { class: 'actions' },
    el(
      'button',
      { type: 'button', id: 'replay-selected', onclick: () => ctx.run(() => act('replay')) },
      'Replay selected',
    ),
    el(
      'button',
      { type: 'button', id: 'delete-selected', class: 'danger', onclick: () => ctx.run(() => act('delete')) },
      'Delete selected',
    ),
    el('button', { type: 'button', id: 'replay-all', onclick: () => ctx.run(askReplayAll) }, 'Replay all matching…'),
  );
  const refresher = ctx.autoRefresh(section, () => show(), { holding });
  fill(
    section,
    el('div', { class: 'heading' }, el('h2', {}, 'Dead letters'), refresher.bar),
    form,
    actions,
    confirmBox,
    status,
    list,
  );

  let cursors = [undefined];
  const current = () => cursors[cursors.length - 1];

  async function show() {
    const { body } = await api('GET', '/admin/dead-letters', {
      ...query,
      limit: PAGE_SIZE,
      cursor: current(),
    });
    const pager = el(
      'div',
      { class: 'pager' },
      el(
        'button',
        {
          type: 'button',
          disabled: cursors.length === 1,
          onclick: () => ((cursors = cursors.slice(0, -1)), refresher.now()),
        },
        '‹ Previous',
      ),
      el('span', {}, `Page ${cursors.length}`),
      el(
        'button',
        { type: 'button', disabled: !body.nextCursor, onclick: () => (cursors.push(body.nextCursor), refresher.now()) },
        'Next ›',
      ),
    );
    fill(list, deadLetterTable(body.items), pager);
  }

  /** A reload would drop the operator's choice of rows, or the count they are confirming. */
  function holding() {
    if (selected().length > 0) return 'paused while rows are selected';
    if (!confirmBox.hidden) return 'paused while "replay all" waits for you';
    return null;
  }

  /** The selected dead letters: their event ids, and with routing their deliveries' targets. */
  function selected() {
    return [...list.querySelectorAll('input[name="select"]:checked')].map((box) => ({
      id: box.value,
      target: box.dataset.target,
    }));
  }

  async function act(action) {
    const ids = selected();
    if (ids.length === 0) return notice(status, 'error', 'Select at least one dead letter first.');
    for (const { id, target } of ids) {
      const path = `/admin/dead-letters/${encodeURIComponent(id)}`;
      if (action === 'replay') await api('POST', `${path}/replay`, { target });
      else await api('DELETE', path, { target });
    }
    notice(status, 'ok', `${action === 'replay' ? 'Replayed' : 'Deleted'} ${ids.length} dead letter(s).`);
    await refresher.now();
  }

  /** Shows how many it would replay (dry run) and waits for the operator to confirm. */
  async function askReplayAll() {
    const { body } = await api('POST', '/admin/dead-letters/replay', { ...query, dryRun: 'true' });
    const count = body.wouldReplay;
    const cancel = () => {
      fill(confirmBox);
      confirmBox.hidden = true;
    };
    fill(
      confirmBox,
      el('p', { id: 'replay-all-count' }, `${count} dead letter(s) match these filters and will be replayed.`),
      skippedNote(body.skippedByTarget),
      el('p', { class: 'hint', id: 'replay-all-filters' }, describe),
      el(
        'button',
        { type: 'button', id: 'replay-all-confirm-button', disabled: count === 0, onclick: () => ctx.run(replayAll) },
        `Replay ${count}`,
      ),
      el('button', { type: 'button', onclick: cancel }, 'Cancel'),
    );
    confirmBox.hidden = false;

    async function replayAll() {
      const { body: done } = await api('POST', '/admin/dead-letters/replay', query);
      cancel();
      notice(status, 'ok', `Replayed ${done.replayed} dead letter(s).`);
      cursors = [undefined];
      await refresher.now();
    }
  }

  return refresher.now();
}

/** Matching dead letters of removed targets, which a replay leaves dead (nothing would deliver them). */
function skippedNote(skippedByTarget) {
  if (!skippedByTarget) return null;
  const counts = Object.entries(skippedByTarget).map(([target, n]) => `${n} of ${target}`);
  return el(
    'p',
    { class: 'hint', id: 'replay-all-skipped' },
    `Not replayed: ${counts.join(', ')} (removed from ROUTES_FILE: nothing would deliver them).`,
  );
}

/** With routing, the items name their target: a column for it. */
const targetColumn = (items) =>
  items.some((d) => d.target !== undefined)
    ? [{ label: 'Target', class: 'text', cell: (d) => breakable(d.target) }]
    : [];

function deadLetterTable(items) {
  const all = el('input', { type: 'checkbox', 'aria-label': 'Select all on this page' });
  all.addEventListener('change', () => {
    for (const box of all.closest('table').querySelectorAll('input[name="select"]')) box.checked = all.checked;
  });
  const rendered = table(
    [
      {
        label: '',
        class: 'select',
        cell: (d) =>
          el('input', {
            type: 'checkbox',
            name: 'select',
            value: d.eventId,
            dataset: d.target === undefined ? {} : { target: d.target },
            'aria-label': `Select ${d.eventId}${d.target === undefined ? '' : ` for ${d.target}`}`,
          }),
      },
      { label: 'Event', class: 'id', cell: (d) => idLink(d.eventId, 'event id') },
      ...targetColumn(items),
      { label: 'Intent', class: 'text', cell: (d) => breakable(d.intent) },
      { label: 'Object', class: 'text', cell: (d) => breakable(d.objectType) },
      { label: 'External id', class: 'text', cell: (d) => breakable(d.externalId) },
      { label: 'Attempts', class: 'num', cell: (d) => d.attempts },
      { label: 'Last status', class: 'num', cell: (d) => d.lastStatus ?? '—' },
      { label: 'Last error', class: 'excerpt', cell: (d) => d.lastError ?? '' },
      { label: 'Failed at', class: 'time', cell: (d) => time(d.failedAt) },
    ],
    items,
    { empty: 'No dead letters match.', className: 'selectable' },
  );
  const head = rendered.querySelector('thead th');
  if (head) head.append(all, el('span', { class: 'narrow-only' }, ' Select all on this page'));
  return rendered;
}
