import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import request from 'supertest';
import { ADMIN, consoleHarness, DEADLINE, horizontalOverflow, WatchedPage } from './support/console-browser';
import { waitFor } from './support/wait-for';
import { contactDialog, unique } from './support/webhook-cases';

/**
 * The operators' console in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against the built service (`node dist/main.js`) and the CRM sandbox as the test
 * CRM: sign-in, the overview, a dead letter made by a CRM answering 400, found by conversation id,
 * its attempts, replayed once the CRM is fixed and delivered; the bulk replay's count before it
 * acts; hostile entity values shown as text; a wrong token refused; every screen fits 1280 px and
 * 390 px with no horizontal overflow, and the browser console logs no error. It takes the
 * screenshots the README shows: into docs/console/ with UPDATE_CONSOLE_SCREENSHOTS=1, else into a
 * temporary directory removed afterwards, so a test run leaves the checkout clean.
 */

const HOSTILE = '<img src=x onerror=alert(1)>';
const UPDATE_SCREENSHOTS = process.env.UPDATE_CONSOLE_SCREENSHOTS === '1';
const SHOTS = UPDATE_SCREENSHOTS
  ? join(__dirname, '..', 'docs', 'console')
  : mkdtempSync(join(tmpdir(), 'ccs-console-shots-'));
/** A CRM's long refusal, as Salesforce or Dataverse word them: it must wrap in its column. */
const LONG_ERROR =
  'Field Status__c: bad value for restricted picklist field: Platinum-Plus-Preferred-Customer-Tier. ' +
  'The allowed values are Bronze, Silver, Gold. INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST '.repeat(3);
/** An external id with no place to break a line: it must wrap too. */
const longId = (prefix: string) => `${unique(prefix)}-${'0123456789abcdef'.repeat(5)}`;

describe('operator console in a browser', () => {
  const harness = consoleHarness();
  const { sandbox, send, stateOf, waitForState } = harness;
  let watched: WatchedPage;
  let page: Page;
  /** Dialogs opened by the page: alert(1) from an injected script would land here. */
  const dialogs: string[] = [];
  /** Every URL the browser requested. */
  const urls: string[] = [];

  beforeAll(async () => {
    watched = await harness.open({
      viewport: { width: 1280, height: 900 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    page = watched.page;
    page.context().on('request', (req) => urls.push(req.url()));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  const fits = async (at: Page) => expect(await horizontalOverflow(at)).toEqual([]);

  it('serves the page with a Content-Security-Policy that forbids inline script, and no inline script', async () => {
    const res = await request(harness.base()).get('/console');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.text).not.toMatch(/\son[a-z]+=/i);
    expect(res.text).not.toMatch(/https?:\/\//);
  });

  it('refuses a wrong token with a clear message and shows nothing else', async () => {
    // A page of its own: the browser logs the refused request as an error, on purpose here.
    const { page: refused } = await harness.open();
    try {
      await harness.signIn(refused, 'not-the-token');
      await refused.waitForSelector('#sign-in-error:not([hidden])', DEADLINE);
      expect(await refused.textContent('#sign-in-error')).toBe('The admin token was refused.');
      expect(await refused.isHidden('#nav')).toBe(true);
      for (const screen of ['#overview', '#dead-letters', '#event']) {
        expect(await refused.isHidden(screen)).toBe(true);
        expect(await refused.$eval(screen, (node) => node.childElementCount)).toBe(0);
      }
      expect(await refused.evaluate('sessionStorage.length + localStorage.length')).toBe(0);
    } finally {
      await refused.context().close();
    }
  });

  it('signs in and shows the overview: states, the per-minute chart, latency, breaker and token', async () => {
    const delivered = await send(contactDialog(unique('C-OK')));
    await waitForState(delivered, 'delivered');
    // The tab in front, as an operator's is: Chromium fetches the favicon of that tab only.
    await page.bringToFront();
    await harness.signIn(page);
    await page.waitForSelector('#overview .chart', DEADLINE);
    expect(page.url()).toBe(`${harness.base()}/console`);
    expect(await page.textContent('#overview')).toMatch(/delivered/);
    expect(await page.textContent('#breaker')).toBe('closed');
    expect(await page.$$eval('#overview .chart rect.delivered', (bars) => bars.length)).toBeGreaterThan(0);
    expect(await page.textContent('#overview table')).toMatch(/End to end/);
    expect(await page.textContent('#overview-updated')).toMatch(/^updated \d+ s ago$/);
    expect(await page.evaluate("[sessionStorage.getItem('ccs.adminToken'), localStorage.length]")).toEqual([ADMIN, 0]);
    await fits(page);
    await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });
  });

  it('finds a dead letter by conversation id, shows its attempts and body as text, replays it once the CRM is fixed', async () => {
    sandbox.inject({ status: 400, count: 1, body: { error: 'invalid_field', message: `bad value ${HOSTILE}` } });
    const conversationId = unique('conv-console');
    const customer = unique('C-DEAD');
    const eventId = await send(
      contactDialog(customer, { notes: { value: HOSTILE, confidence: 0.9 } }, { conversationId }),
    );
    await waitForState(eventId, 'dead');

    await page.click('#nav a[data-screen=event]');
    await page.selectOption('#event-lookup select', 'conversationId');
    await page.fill('#event-lookup input', conversationId);
    await page.click('#event-lookup button[type=submit]');
    await page.click(`#event-result a[href="#event?eventId=${eventId}"]`, DEADLINE);
    await page.waitForSelector('#event-state', DEADLINE);
    expect(await page.textContent('#event-state')).toBe('dead');
    const attempts = await page.$$eval('#event-result table tbody tr', (rows) => rows.map((row) => row.textContent));
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toContain('400');
    expect(attempts[0]).toContain(`bad value ${HOSTILE}`);
    expect(JSON.parse((await page.textContent('#upsert-body'))!)).toMatchObject({
      external_id: customer,
      notes: HOSTILE,
    });
    // Shown as text: the page holds no element the values could have made, and nothing ran.
    expect(await page.$$('img')).toHaveLength(0);
    expect(await page.$$('[onerror]')).toHaveLength(0);
    expect(dialogs).toEqual([]);
    await fits(page);
    await page.screenshot({ path: join(SHOTS, 'event.png'), fullPage: true });

    await page.click('#replay-event');
    await waitFor(
      async () => {
        await page.click('#refresh-event');
        await page.waitForSelector('#event-state', DEADLINE);
        return (await page.textContent('#event-state')) === 'delivered';
      },
      { timeoutMs: 20_000, what: 'the event shown delivered' },
    );
    expect(await page.$$eval('#event-result table tbody tr', (rows) => rows.length)).toBe(2);
    expect(
      sandbox
        .requests()
        .filter((r) => r.idempotencyKey?.startsWith(`cognigy-${eventId}`))
        .map((r) => r.status),
    ).toEqual([400, 200]);
  });

  it('filters dead letters, fits them in 1280 px, copies an id, and counts "replay all matching" before it acts', async () => {
    sandbox.inject({ status: 422, count: 2, body: { error: 'rejected', message: LONG_ERROR } });
    const ids = [await send(contactDialog(unique('C-BULK'))), await send(contactDialog(longId('C-BULK')))];
    for (const id of ids) await waitForState(id, 'dead');

    await page.click('#nav a[data-screen=dead-letters]');
    await page.fill('#dead-letter-filters input[name=lastStatus]', '422');
    await page.click('#dead-letter-filters button[type=submit]');
    await waitFor(async () => (await page.$$('#dead-letter-list tbody tr')).length === 2, {
      timeoutMs: 20_000,
      what: 'two rows',
    });
    // The filter is in the address; without ROUTES_FILE the one source and target are `default`:
    // no source or target to choose.
    expect(page.url()).toBe(`${harness.base()}/console#dead-letters?lastStatus=422`);
    expect(await page.$$('#dead-letter-filters select')).toHaveLength(0);
    // Every column on the page; ids shortened with the whole id on hover; the long error wrapped.
    await fits(page);
    const links = await page.$$eval('#dead-letter-list td.id a', (as) => as.map((a) => [a.textContent, a.title]));
    expect(links.map(([, title]) => title).sort()).toEqual([...ids].sort());
    for (const [text, title] of links) expect(text).toBe(`${title!.slice(0, 8)}…${title!.slice(-6)}`);
    expect(await page.$$eval('#dead-letter-list th', (ths) => ths.map((th) => th.textContent))).toContain('Failed at');
    await page.screenshot({ path: join(SHOTS, 'dead-letters.png'), fullPage: true });
    const copy = `#dead-letter-list tr:has(a[title="${ids[0]}"]) button.copy`;
    await page.click(copy);
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(ids[0]);
    expect(await page.textContent(copy)).toBe('Copied');

    await page.click('#replay-all');
    await page.waitForSelector('#replay-all-count', DEADLINE);
    expect(await page.textContent('#replay-all-count')).toBe(
      '2 dead letter(s) match these filters and will be replayed.',
    );
    expect(await page.textContent('#replay-all-filters')).toBe('Filters: last status 422.');
    // The count came from a dry run: nothing was replayed yet.
    for (const id of ids) expect(await stateOf(id)).toBe('dead');
    await page.click('#replay-all-confirm-button');
    for (const id of ids) await waitForState(id, 'delivered');
    await waitFor(async () => (await page.textContent('#dead-letter-list'))!.includes('No dead letters match.'), {
      timeoutMs: 20_000,
      what: 'the emptied list',
    });
  });

  it('works on a phone-sized screen: overview, dead letters and an event, nothing wider than 390 px', async () => {
    sandbox.inject({ status: 422, count: 1, body: { error: 'rejected', message: LONG_ERROR } });
    const eventId = await send(contactDialog(longId('C-PHONE')));
    await waitForState(eventId, 'dead');
    const { page: phone, errors } = await harness.open({ viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      await harness.signIn(phone);
      await phone.waitForSelector('#overview .chart', DEADLINE);
      await fits(phone);
      await phone.screenshot({ path: join(SHOTS, 'overview-phone.png'), fullPage: true });
      await phone.click('#nav a[data-screen=dead-letters]');
      await phone.waitForSelector(`#dead-letter-list a[title="${eventId}"]`, DEADLINE);
      await fits(phone);
      await phone.screenshot({ path: join(SHOTS, 'dead-letters-phone.png'), fullPage: true });
      await phone.click(`#dead-letter-list a[title="${eventId}"]`);
      await phone.waitForSelector('#event-state', DEADLINE);
      await fits(phone);
      expect(errors).toEqual([]);
    } finally {
      await phone.context().close();
    }
  });

  it('logged no error in the browser console on any screen, and declared a favicon it serves', async () => {
    expect(watched.errors).toEqual([]);
    // Chromium fetches a page's icon once for all its tabs: the service's log sees every fetch.
    expect(harness.browserMisses()).toEqual([]);
    const icon = await page.$eval('link[rel=icon]', (link) => link.getAttribute('href'));
    expect(icon).toBe('/console/favicon.svg');
    const res = await request(harness.base()).get(icon);
    expect([res.status, res.headers['content-type']]).toEqual([200, 'image/svg+xml']);
  });

  it('never puts the token in a URL or in the service log', () => {
    expect(urls.length).toBeGreaterThan(10);
    expect(urls.filter((url) => url.includes(ADMIN))).toEqual([]);
    const log = harness.output();
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(ADMIN);
    expect(log).toMatch(/\/admin\/stats/);
  });
});

beforeAll(() => mkdirSync(SHOTS, { recursive: true }));
afterAll(() => {
  if (!UPDATE_SCREENSHOTS) rmSync(SHOTS, { recursive: true, force: true });
});
