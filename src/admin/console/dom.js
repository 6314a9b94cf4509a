// DOM building without markup parsing: every value becomes a text node or a property, so text
// from events (anything a caller typed into the bot) and CRM answers is shown, never run.

/** `el('td', { class: 'num' }, 'text', node)`; `on*` props become listeners. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name in node) node[name] = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the contents of `node`. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A table in a horizontally scrolling box (narrow screens); `columns`: [{ label, cell(row) }]. */
export function table(columns, rows, { empty = 'Nothing to show', rowProps } = {}) {
  if (rows.length === 0) return el('p', { class: 'empty' }, empty);
  const head = el(
    'tr',
    {},
    columns.map((c) => el('th', { scope: 'col', class: c.class }, c.label)),
  );
  const body = rows.map((row) =>
    el(
      'tr',
      rowProps ? rowProps(row) : {},
      columns.map((c) => el('td', { class: c.class, dataset: { label: c.label } }, c.cell(row))),
    ),
  );
  return el('div', { class: 'scroll' }, el('table', {}, el('thead', {}, head), el('tbody', {}, body)));
}

/** A term/value list. */
export function facts(pairs) {
  return el(
    'dl',
    { class: 'facts' },
    pairs.map(([term, value]) => [el('dt', {}, term), el('dd', {}, value ?? '—')]),
  );
}

export const time = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

export function ago(seconds) {
  if (seconds === null || seconds === undefined) return 'nothing queued';
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** A status line: `kind` info | error | ok. */
export function notice(node, kind, text) {
  node.className = `notice ${kind}`;
  node.hidden = !text;
  node.textContent = text || '';
}
