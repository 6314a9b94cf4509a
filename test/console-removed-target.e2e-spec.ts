import { Browser, chromium, Page } from 'playwright-core';
import { DEADLINE } from './support/console-browser';
import { removedTargetApp } from './support/removed-target-app';
import { waitFor } from './support/wait-for';

/**
 * The console's dead letters screen after desk was removed from ROUTES_FILE (the scenario:
 * test/support/removed-target-app.ts, SQLite), in Debian's Chromium: the target filter offers
 * desk, marked removed; chosen, it lists desk's dead letters, whose "replay all" the service
 * refuses (shown) and whose deletion leaves crm's deliveries of the same events; with no target
 * chosen, "replay all" says how many of desk's it leaves dead before it replays anything.
 */

describe('operator console with a target removed from ROUTES_FILE, in a browser', () => {
  const scenario = removedTargetApp('sqlite');
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    const { app } = scenario.app();
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${base}/console`);
    await page.fill('#token', scenario.adminToken);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#overview-body', DEADLINE);
  });

  afterAll(() => browser?.close());

  /** Waits until the list shows exactly `expected` (`eventId target`, any order). */
  const rowsShown = (expected: string[]) =>
    waitFor(
      async () => {
        const shown = await page.$$eval('#dead-letter-list input[name=select]', (boxes) =>
          boxes.map((box) => `${box.getAttribute('value')} ${box.getAttribute('data-target')}`),
        );
        return JSON.stringify(shown.sort()) === JSON.stringify([...expected].sort());
      },
      { timeoutMs: 20_000, what: `the rows ${expected.join(', ')}` },
    );
  const chooseTarget = (value: string) => page.getByLabel('Target', { exact: true }).selectOption({ value });

  it('offers the removed target in the target filter, marked, and lists its dead letters', async () => {
    const [first, second] = scenario.events().deadOnBoth;
    await page.goto(`${base}/console#dead-letters`);
    await rowsShown([`${first} crm`, `${first} desk`, `${second} crm`, `${second} desk`]);
    const options = await page.$$eval('#dead-letter-filters select[name=target] option', (all) =>
      all.map((o) => `${o.getAttribute('value')}: ${o.textContent}`),
    );
    expect(options).toEqual([': All targets', 'crm: crm', 'desk: desk (removed from ROUTES_FILE)']);
    await chooseTarget('desk');
    await rowsShown([`${first} desk`, `${second} desk`]);
    expect(page.url()).toBe(`${base}/console#dead-letters?target=desk`);
  });

  it("shows the service's refusal to replay all of the removed target's", async () => {
    await page.click('#replay-all');
    await page.waitForSelector('#dead-letters > .notice.failure', DEADLINE);
    expect(await page.textContent('#dead-letters > .notice.failure')).toMatch(
      /^The service answered 409: Dead letters of target desk not replayed: ROUTES_FILE does not name it/,
    );
    expect(await page.isVisible('#replay-all-confirm-button')).toBe(false);
  });

  it('with no target chosen, says how many of the removed target\'s "replay all" leaves dead', async () => {
    await chooseTarget('');
    await page.click('#replay-all');
    await page.waitForSelector('#replay-all-skipped', DEADLINE);
    expect(await page.textContent('#replay-all-count')).toBe(
      '2 dead letter(s) match these filters and will be replayed.',
    );
    expect(await page.textContent('#replay-all-skipped')).toBe(
      'Not replayed: 2 of desk (removed from ROUTES_FILE: nothing would deliver them).',
    );
    await page.click('#replay-all-confirm button:not(#replay-all-confirm-button)');
    expect(await page.isHidden('#replay-all-confirm')).toBe(true);
  });

  it("deletes the removed target's dead letters selected, leaving crm's of the same events", async () => {
    const [first, second] = scenario.events().deadOnBoth;
    await chooseTarget('desk');
    await rowsShown([`${first} desk`, `${second} desk`]);
    await page.getByLabel('Select all on this page').check();
    await page.click('#delete-selected');
    await waitFor(async () => (await page.textContent('#dead-letter-list'))!.includes('No dead letters match.'), {
      timeoutMs: 20_000,
      what: 'the emptied list',
    });
    expect(await scenario.deliveries(first)).toEqual(['crm dead']);
    expect(await scenario.deliveries(second)).toEqual(['crm dead']);
  });
});
