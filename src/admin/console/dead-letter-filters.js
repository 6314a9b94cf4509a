// The dead-letter screen's filters. The applied ones live in the address (#dead-letters?target=crm&…,
// as the form holds them), so a filtered list can be reloaded, bookmarked and sent to a colleague;
// the list, its pages and "replay all matching" use those, never fields edited but not applied.
import { el } from './dom.js';

const FIELDS = [
  { name: 'intent', label: 'Intent', type: 'text' },
  { name: 'objectType', label: 'Object type', type: 'text' },
  { name: 'lastStatus', label: 'Last status', type: 'number' },
  { name: 'failedAfter', label: 'Failed after', type: 'datetime-local' },
  { name: 'failedBefore', label: 'Failed before', type: 'datetime-local' },
];

/**
 * With ROUTES_FILE: a choice among the routing's names (the API refuses any other). Targets also
 * offer the removed ones the store still holds deliveries of, marked: their dead letters can be
 * listed and deleted (not replayed) until none is left.
 */
const CHOICES = [
  {
    name: 'target',
    label: 'Target',
    all: 'All targets',
    names: (routing) => routing.targets,
    removed: (routing) => routing.removedTargets ?? [],
  },
  { name: 'source', label: 'Source', all: 'All sources', names: (routing) => routing.sources, removed: () => [] },
];

function field({ name, label, type }, value) {
  const number = type === 'number';
  const input = el('input', { name, type, min: number ? 100 : undefined, max: number ? 599 : undefined });
  // As a property: a value this type cannot hold (a mistyped address) reads back empty, so the
  // filters applied are always the ones the form shows.
  input.value = value;
  return el('label', {}, label, input);
}

/** A name the routing does not hold (an old bookmark) stays chosen, for the API's 400 to name it. */
function choice({ name, label, all, names, removed }, routing, value) {
  const known = names(routing);
  const gone = removed(routing);
  const unknown = value && !known.includes(value) && !gone.includes(value) ? [value] : [];
  // Named by aria-label: a label around a select would also read out every option's text.
  const select = el(
    'select',
    { name, 'aria-label': label },
    el('option', { value: '' }, all),
    known.map((option) => el('option', { value: option }, option)),
    gone.map((option) => el('option', { value: option }, `${option} (removed from ROUTES_FILE)`)),
    unknown.map((option) => el('option', { value: option }, option)),
  );
  select.value = value;
  select.addEventListener('change', () => select.form.requestSubmit());
  return el('label', {}, label, select);
}

/**
 * The filter form, filled from `params` (the address), for `routing` (GET /admin/route-names;
 * source and target only with ROUTES_FILE: without it both are `default`, nothing to choose).
 * `query`: the filters applied (as the form shows them) as the API wants them, times in ISO-8601
 * UTC; `describe`: the same in words. Submitting goes to the address of the form's filters.
 */
export function filterForm(params, routing, ctx) {
  const choices = routing.routed ? CHOICES : [];
  const form = el(
    'form',
    { class: 'filters panel', id: 'dead-letter-filters' },
    choices.map((c) => choice(c, routing, params.get(c.name) ?? '')),
    FIELDS.map((f) => field(f, params.get(f.name) ?? '')),
    el('button', { type: 'submit' }, 'Apply filters'),
  );
  const all = [...choices, ...FIELDS];
  const valuesOf = () =>
    all.map(({ name }) => [name, form.elements[name].value.trim()]).filter(([, value]) => value !== '');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const search = new URLSearchParams(valuesOf()).toString();
    ctx.go(search ? `#dead-letters?${search}` : '#dead-letters');
  });

  const applied = valuesOf();
  const query = Object.fromEntries(
    applied.map(([name, value]) => {
      const type = FIELDS.find((f) => f.name === name)?.type;
      return [name, type === 'datetime-local' ? new Date(value).toISOString() : value];
    }),
  );
  const label = (name) => all.find((f) => f.name === name).label.toLowerCase();
  const describe =
    applied.length === 0
      ? 'No filter: every dead letter.'
      : `Filters: ${applied.map(([name, value]) => `${label(name)} ${value}`).join(', ')}.`;
  return { form, query, describe };
}
