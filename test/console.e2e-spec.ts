import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import request from 'supertest';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { sandboxEnv } from './support/sandbox-env';
import { freePort, serviceEnv, ServiceProcess, startService } from './support/service-process';
import { waitFor } from './support/wait-for';
import { contactDialog, DIALOG_ROUTE, unique } from './support/webhook-cases';
import { cognigySignature } from './support/signing';

/**
 * The operators' console in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against the built service (`node dist/main.js`) and the CRM sandbox as the test
 * CRM: sign-in, the overview, a dead letter made by a CRM answering 400, found by conversation id,
 * its attempts, replayed once the CRM is fixed and delivered; the bulk replay's count before it
 * acts; hostile entity values shown as text; a wrong token refused. It takes the screenshots the
 * README shows: into docs/console/ with UPDATE_CONSOLE_SCREENSHOTS=1, else into a temporary
 * directory removed afterwards, so a test run leaves the checkout clean.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SECRET = 'console-browser-secret';
const ADMIN = 'console-browser-admin-token';
const HOSTILE = '<img src=x onerror=alert(1)>';
const UPDATE_SCREENSHOTS = process.env.UPDATE_CONSOLE_SCREENSHOTS === '1';
const SHOTS = UPDATE_SCREENSHOTS
  ? join(__dirname, '..', 'docs', 'console')
  : mkdtempSync(join(tmpdir(), 'ccs-console-shots-'));
const DEADLINE = { timeout: 20_000 };

describe('operator console in a browser', () => {
  const sandbox = new CrmSandbox({ port: 0 });
  const running: ServiceProcess[] = [];
  let dataDir: string;
  let base: string;
  let browser: Browser;
  let page: Page;
  /** Dialogs opened by the page: alert(1) from an injected script would land here. */
  const dialogs: string[] = [];
  /** Every URL the browser requested. */
  const urls: string[] = [];

  beforeAll(async () => {
    await sandbox.start();
    dataDir = mkdtempSync(join(tmpdir(), 'ccs-console-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = serviceEnv(port, dataDir, {
      ...sandboxEnv(sandbox, { COGNIGY_WEBHOOK_SECRETS: SECRET, ADMIN_TOKEN: ADMIN }),
      CRM_RETRY_BASE_MS: '50',
      CRM_RETRY_MAX_MS: '200',
      LOG_LEVEL: 'debug',
    });
    await startService(env, dataDir, running);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.context().on('request', (req) => urls.push(req.url()));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const service of running) await service.stop('SIGTERM');
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(() => sandbox.clearFaults());

  /** Sends a signed dialog completion; resolves with the event id. */
  async function send(body: object): Promise<string> {
    const raw = JSON.stringify(body);
    const res = await request(base)
      .post(DIALOG_ROUTE)
      .set('content-type', 'application/json')
      .set('x-cognigy-signature', cognigySignature(SECRET, raw))
      .send(raw);
    expect(res.status).toBe(202);
    return res.body.eventId as string;
  }

  async function stateOf(eventId: string): Promise<string> {
    const res = await request(base).get(`/admin/events/${eventId}`).set('authorization', `Bearer ${ADMIN}`);
    return res.body.state as string;
  }

  const waitForState = (eventId: string, state: string) =>
    waitFor(async () => (await stateOf(eventId)) === state, { timeoutMs: 20_000, what: `${eventId} ${state}` });

  async function signIn(token: string): Promise<void> {
    await page.goto(`${base}/console`);
    await page.fill('#token', token);
    await page.click('#sign-in-form button[type=submit]');
  }

  it('serves the page with a Content-Security-Policy that forbids inline script, and no inline script', async () => {
    const res = await request(base).get('/console');
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
    await signIn('not-the-token');
    await page.waitForSelector('#sign-in-error:not([hidden])', DEADLINE);
    expect(await page.textContent('#sign-in-error')).toBe('The admin token was refused.');
    expect(await page.isHidden('#nav')).toBe(true);
    for (const screen of ['#overview', '#dead-letters', '#event']) {
      expect(await page.isHidden(screen)).toBe(true);
      expect(await page.$eval(screen, (node) => node.childElementCount)).toBe(0);
    }
    expect(await page.evaluate('sessionStorage.length + localStorage.length')).toBe(0);
  });

  it('signs in and shows the overview: states, the per-minute chart, latency, breaker and token', async () => {
    const delivered = await send(contactDialog(unique('C-OK')));
    await waitForState(delivered, 'delivered');
    await signIn(ADMIN);
    await page.waitForSelector('#overview .chart', DEADLINE);
    expect(page.url()).toBe(`${base}/console`);
    expect(await page.textContent('#overview')).toMatch(/delivered/);
    expect(await page.textContent('#breaker')).toBe('closed');
    expect(await page.$$eval('#overview .chart rect.delivered', (bars) => bars.length)).toBeGreaterThan(0);
    expect(await page.textContent('#overview table')).toMatch(/End to end/);
    expect(await page.evaluate("[sessionStorage.getItem('ccs.adminToken'), localStorage.length]")).toEqual([ADMIN, 0]);
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

  it('filters dead letters and shows how many "replay all matching" replays before it acts', async () => {
    sandbox.inject({ status: 422, count: 2, body: { error: 'rejected' } });
    const ids = [await send(contactDialog(unique('C-BULK'))), await send(contactDialog(unique('C-BULK')))];
    for (const id of ids) await waitForState(id, 'dead');

    await page.click('#nav a[data-screen=dead-letters]');
    await page.fill('#dead-letter-filters input[name=lastStatus]', '422');
    await page.click('#dead-letter-filters button[type=submit]');
    await waitFor(async () => (await page.$$('#dead-letter-list tbody tr')).length === 2, {
      timeoutMs: 20_000,
      what: 'two rows',
    });
    await page.screenshot({ path: join(SHOTS, 'dead-letters.png'), fullPage: true });

    await page.click('#replay-all');
    await page.waitForSelector('#replay-all-count', DEADLINE);
    expect(await page.textContent('#replay-all-count')).toBe(
      '2 dead letter(s) match these filters and will be replayed.',
    );
    // The count came from a dry run: nothing was replayed yet.
    for (const id of ids) expect(await stateOf(id)).toBe('dead');
    await page.click('#replay-all-confirm-button');
    for (const id of ids) await waitForState(id, 'delivered');
    await waitFor(async () => (await page.textContent('#dead-letter-list'))!.includes('No dead letters match.'), {
      timeoutMs: 20_000,
      what: 'the emptied list',
    });
  });

  it('is readable on a phone-sized screen', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      await phone.goto(`${base}/console`);
      await phone.fill('#token', ADMIN);
      await phone.click('#sign-in-form button[type=submit]');
      await phone.waitForSelector('#overview .chart', DEADLINE);
      const overflow = await phone.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      await phone.screenshot({ path: join(SHOTS, 'overview-phone.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });

  it('never puts the token in a URL or in the service log', () => {
    expect(urls.length).toBeGreaterThan(10);
    expect(urls.filter((url) => url.includes(ADMIN))).toEqual([]);
    const log = running.map((service) => service.output()).join('');
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(ADMIN);
    expect(log).toMatch(/\/admin\/stats/);
  });
});

beforeAll(() => mkdirSync(SHOTS, { recursive: true }));
afterAll(() => {
  if (!UPDATE_SCREENSHOTS) rmSync(SHOTS, { recursive: true, force: true });
});
