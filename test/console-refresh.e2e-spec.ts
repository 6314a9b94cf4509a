import { Page } from 'playwright-core';
import { consoleHarness, DEADLINE } from './support/console-browser';
import { contactDialog, unique } from './support/webhook-cases';

/**
 * The console keeps itself current (SPEC §9): the overview and the dead letters reload every 10 s
 * while shown, say how long ago they were loaded, and hold still while paused, while the tab is
 * hidden and while rows are selected. Time in the page is Playwright's clock: installed before
 * the page loads, then paused, and moved on with runFor() only; the requests are real.
 */

describe('operator console refreshing itself', () => {
  const harness = consoleHarness();
  let page: Page;
  let errors: string[];
  /** The admin API requests the page made, by path. */
  const requested: string[] = [];
  const count = (path: string) => requested.filter((p) => p === path).length;

  beforeAll(async () => {
    ({ page, errors } = await harness.open({ viewport: { width: 1280, height: 900 } }));
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (url.pathname.startsWith('/admin/')) requested.push(url.pathname);
    });
    // Paused before the page loads: no timer of the page runs unless a test moves time on.
    await page.clock.install();
    await page.clock.pauseAt(Date.now() + 1_000);
    await harness.signIn(page);
    await page.waitForSelector('#overview .chart', DEADLINE);
  });

  /** Waits until the screen's "updated ... ago" line starts with `text`. */
  const updated = (screen: string, text: string) =>
    page.waitForFunction(
      ([id, start]) => (globalThis as any).document.getElementById(id).textContent.startsWith(start),
      [`${screen}-updated`, text],
    );
  const answer = (path: string) => page.waitForResponse((res) => new URL(res.url()).pathname === path);

  /** A reload the operator asks for (the screen's Refresh button), answered and shown. */
  async function refreshByHand(screen: string, path: string): Promise<void> {
    const answered = answer(path);
    await page.click(`#${screen}-refresh`);
    await answered;
    await updated(screen, 'updated 0 s ago');
  }

  /**
   * Moves time on by `ms` where the screen must hold still, then reloads it by hand: exactly that
   * one request in between, so a reload the timers started meanwhile shows up as one more.
   */
  async function heldStill(screen: string, path: string, ms: number): Promise<void> {
    const before = count(path);
    await page.clock.runFor(ms);
    await refreshByHand(screen, path);
    expect(count(path)).toBe(before + 1);
  }

  /** Moves time on by `ms` and waits for the reload of `path` it brings. */
  async function reloadedAfter(path: string, ms: number): Promise<void> {
    const before = count(path);
    const answered = answer(path);
    await page.clock.runFor(ms);
    await answered;
    expect(count(path)).toBe(before + 1);
  }

  it('reloads the overview every 10 s and says how long ago it was loaded', async () => {
    await refreshByHand('overview', '/admin/stats');
    await heldStill('overview', '/admin/stats', 9_000);
    await page.clock.runFor(9_000);
    expect(await page.textContent('#overview-updated')).toBe('updated 9 s ago');
    await reloadedAfter('/admin/stats', 1_000);
    await updated('overview', 'updated 0 s ago');
    await reloadedAfter('/admin/stats', 10_000);
  });

  it('holds still while paused, says so, and reloads as soon as it is resumed', async () => {
    await refreshByHand('overview', '/admin/stats');
    await page.click('#overview-pause');
    expect(await page.textContent('#overview-pause')).toBe('Resume');
    await page.clock.runFor(35_000);
    expect(await page.textContent('#overview-updated')).toBe('updated 35 s ago · paused');
    await heldStill('overview', '/admin/stats', 30_000);
    await page.clock.runFor(12_000);
    const answered = answer('/admin/stats');
    await page.click('#overview-pause');
    await answered;
    expect(await page.textContent('#overview-pause')).toBe('Pause');
  });

  it('holds still while the tab is hidden, and reloads when it is shown again', async () => {
    await refreshByHand('overview', '/admin/stats');
    await setHidden(true);
    await heldStill('overview', '/admin/stats', 30_000);
    await page.clock.runFor(12_000);
    const answered = answer('/admin/stats');
    await setHidden(false);
    await answered;
  });

  it('reloads the dead letters every 10 s, except while rows are selected', async () => {
    harness.sandbox.inject({ status: 400, count: 1, body: { error: 'rejected' } });
    const eventId = await harness.send(contactDialog(unique('C-REFRESH')));
    await harness.waitForState(eventId, 'dead');
    await page.click('#nav a[data-screen=dead-letters]');
    await page.waitForSelector(`#dead-letter-list a[title="${eventId}"]`, DEADLINE);
    await refreshByHand('dead-letters', '/admin/dead-letters');
    await heldStill('dead-letters', '/admin/dead-letters', 9_000);
    await reloadedAfter('/admin/dead-letters', 10_000);

    const box = `#dead-letter-list tr:has(a[title="${eventId}"]) input[name=select]`;
    await page.check(box);
    await page.clock.runFor(30_000);
    expect(await page.textContent('#dead-letters-updated')).toBe('updated 30 s ago · paused while rows are selected');
    // Still checked: nothing reloaded the list under the operator's choice.
    expect(await page.isChecked(box)).toBe(true);
    await heldStill('dead-letters', '/admin/dead-letters', 20_000);
    // The reload by hand leaves nothing selected: the timers take over again.
    await reloadedAfter('/admin/dead-letters', 10_000);
  });

  it('logged no error in the browser console', () => {
    expect(errors).toEqual([]);
  });

  /** The page's document.hidden and visibilityState as a hidden (or shown) tab reports them. */
  async function setHidden(hidden: boolean): Promise<void> {
    await page.evaluate(`
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => ${hidden} });
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${hidden ? 'hidden' : 'visible'}' });
      document.dispatchEvent(new Event('visibilitychange'));
    `);
  }
});
