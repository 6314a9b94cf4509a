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

/**
 * A table that fits its box: `columns`: [{ label, class, cell(row) }], the class saying how a
 * column wraps (console.css). On a narrow screen each row becomes a card, cells labelled.
 */
export function table(columns, rows, { empty = 'Nothing to show', rowProps, className } = {}) {
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
  return el(
    'div',
    { class: 'scroll' },
    el('table', { class: className }, el('thead', {}, head), el('tbody', {}, body)),
  );
}

/** `text` with a line-break opportunity after each _ - . / : (identifiers wrap between their words). */
export function breakable(text) {
  if (text === null || text === undefined) return '';
  return String(text)
    .split(/(?<=[_\-./:])/)
    .flatMap((part, i) => (i === 0 ? [part] : [el('wbr'), part]));
}

/** Ids longer than this are shown by their start and end; the whole id is on hover and copied. */
const SHORT_ID = 16;
const shortened = (id) => (id.length > SHORT_ID ? `${id.slice(0, 8)}…${id.slice(-6)}` : id);

/** Copies `text`: the Clipboard API where the page may use it, else a selected text field. */
async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const field = el('textarea', { value: text, readOnly: true, class: 'offscreen' });
  document.body.append(field);
  field.select();
  const copied = document.execCommand('copy');
  field.remove();
  if (!copied) throw new Error('the browser refused to copy');
}

/** A button that copies `text`, saying so for a moment. */
export function copyButton(text, what) {
  const button = el(
    'button',
    { type: 'button', class: 'copy', title: `Copy the ${what}`, 'aria-label': `Copy the ${what} ${text}` },
    'Copy',
  );
  button.addEventListener('click', async () => {
    try {
      await copyText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Copy failed';
    }
    setTimeout(() => (button.textContent = 'Copy'), 1500);
  });
  return button;
}

/** An event id as a link to its page: shortened, whole on hover (title), with a copy button. */
export function idLink(eventId, what) {
  const link = el(
    'a',
    { href: `#event?eventId=${encodeURIComponent(eventId)}`, title: eventId, class: 'short-id' },
    shortened(eventId),
  );
  return el('span', { class: 'id-cell' }, link, copyButton(eventId, what));
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
