// A screen that keeps itself current: reloaded every REFRESH_MS while it is shown, with a line
// saying how long ago it was last loaded and a pause control. It holds still while the tab is
// hidden (nothing to see), while `holding()` says so (rows selected, a confirmation open), and
// while text in it is selected, so a reload never drops what the operator is doing.
import { ago, el } from './dom.js';

export const REFRESH_MS = 10_000;
const TICK_MS = 1_000;

/**
 * `load()` reloads the screen's data; `ctx.run` reports its failures. Returns the bar to place in
 * the screen, `now()` to load at once, and `stop()` for when the screen is left.
 */
export function autoRefresh(section, ctx, load, { holding = () => null } = {}) {
  let loadedAt = null;
  let nextAt = Date.now() + REFRESH_MS;
  let paused = false;
  let loading = false;

  const age = el('span', { class: 'updated', id: `${section.id}-updated` });
  const pause = el(
    'button',
    { type: 'button', class: 'secondary', id: `${section.id}-pause`, onclick: togglePause },
    'Pause',
  );
  const refresh = el(
    'button',
    { type: 'button', class: 'secondary', id: `${section.id}-refresh`, onclick: () => now() },
    'Refresh',
  );
  const bar = el('div', { class: 'refresh' }, age, refresh, pause);

  function textSelectedIn() {
    const selection = document.getSelection();
    return selection && !selection.isCollapsed && section.contains(selection.anchorNode);
  }

  /** Why the screen is not reloaded now, or null. */
  function heldBy() {
    if (paused) return 'paused';
    if (document.hidden) return 'paused while the tab is hidden';
    if (textSelectedIn()) return 'paused while text is selected';
    return holding();
  }

  function show() {
    const since =
      loadedAt === null
        ? 'not loaded yet'
        : `updated ${ago(Math.max(0, Math.round((Date.now() - loadedAt) / 1000)))} ago`;
    const held = heldBy();
    age.textContent = held ? `${since} · ${held}` : since;
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(paused));
  }

  async function now() {
    nextAt = Date.now() + REFRESH_MS;
    loading = true;
    try {
      await ctx.run(async () => {
        await load();
        loadedAt = Date.now();
        const banner = section.querySelector(':scope > .notice.failure');
        if (banner) banner.remove();
      });
    } finally {
      loading = false;
      show();
    }
  }

  function tick() {
    if (!loading && Date.now() >= nextAt && !heldBy()) void now();
    else show();
  }

  function togglePause() {
    paused = !paused;
    if (!paused && Date.now() >= nextAt) void now();
    show();
  }

  const timer = setInterval(tick, TICK_MS);
  document.addEventListener('visibilitychange', tick);
  document.addEventListener('selectionchange', show);
  show();
  return {
    bar,
    now,
    stop() {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', tick);
      document.removeEventListener('selectionchange', show);
    },
  };
}
