import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import request from 'supertest';
import { stringify } from 'yaml';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { horizontalOverflow } from './support/console-browser';
import { sandboxFileTarget } from './support/routed-app';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, sendAccepted, unique } from './support/webhook-cases';

/**
 * The console with a routing file, in Debian's Chromium (playwright-core) against the application
 * with sources chat (to crm and desk) and voice (to desk only) and two targets, each its own CRM
 * sandbox: crm accepts, desk refuses with 400. The overview lists each target; dead letters show
 * their target, replay one delivery, and filter by target and source (the filter in the address;
 * "replay all matching" and "delete selected" act on the list shown); the event view lists its
 * deliveries. Every screen fits 1280 px and 390 px, and the browser console logs no error.
 */

const ADMIN = 'console-routing-admin';
const DEADLINE = { timeout: 20_000 };
const SECRETS: Record<string, string> = { chat: 'console-chat-secret', voice: 'console-voice-secret' };
const REFUSED = { status: 400, count: -1, body: { error: 'invalid_field' } };

describe('operator console with routing, in a browser', () => {
  const crmSandbox = new CrmSandbox({ port: 0 });
  const deskSandbox = new CrmSandbox({ port: 0 });
  let dir: string;
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  let eventId: string;

  const admin = (path: string) => request(t.server).get(path).set('authorization', `Bearer ${ADMIN}`);
  /** `target state` of each delivery of the event. */
  const deliveries = async (id: string) =>
    ((await admin(`/admin/events/${id}`)).body.deliveries ?? []).map(
      (d: { target: string; state: string }) => `${d.target} ${d.state}`,
    );
  const settled = (id: string, expected: string[]) =>
    waitFor(async () => JSON.stringify(await deliveries(id)) === JSON.stringify(expected), {
      timeoutMs: 20_000,
      what: `${id}: ${expected.join(', ')}`,
    });
  const send = (source: string, customer: string) =>
    sendAccepted(t, SECRETS[source], contactDialog(unique(customer)), {
      path: `/webhooks/cognigy/${source}/dialog-complete`,
    });

  beforeAll(async () => {
    await Promise.all([crmSandbox.start(), deskSandbox.start()]);
    deskSandbox.inject(REFUSED);
    dir = mkdtempSync(join(tmpdir(), 'ccs-console-routes-'));
    const file = join(dir, 'routes.yaml');
    const source = (secret: string) => ({ auth: ['hmac'], secrets: { COGNIGY_WEBHOOK_SECRETS: secret } });
    const routes = {
      sources: { chat: source('CONSOLE_CHAT_SECRET'), voice: source('CONSOLE_VOICE_SECRET') },
      targets: {
        crm: sandboxFileTarget(crmSandbox, 'CONSOLE_CRM_SECRET'),
        desk: sandboxFileTarget(deskSandbox, 'CONSOLE_DESK_SECRET'),
      },
      routes: [
        { source: 'chat', targets: [{ target: 'crm' }, { target: 'desk' }] },
        { source: 'voice', targets: [{ target: 'desk' }] },
      ],
    };
    writeFileSync(file, stringify(routes));
    t = await startTestApp({
      ROUTES_FILE: file,
      ADMIN_TOKEN: ADMIN,
      CONSOLE_CHAT_SECRET: SECRETS.chat,
      CONSOLE_VOICE_SECRET: SECRETS.voice,
      CONSOLE_CRM_SECRET: crmSandbox.clientSecret,
      CONSOLE_DESK_SECRET: deskSandbox.clientSecret,
      COGNIGY_WEBHOOK_SECRETS: 'unnamed-route-secret',
      CRM_BASE_URL: crmSandbox.url,
      CRM_TOKEN_URL: crmSandbox.tokenUrl,
      CRM_CLIENT_ID: crmSandbox.clientId,
      CRM_CLIENT_SECRET: crmSandbox.clientSecret,
    });
    await t.app.listen(0, '127.0.0.1');
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));

    eventId = await send('chat', 'C-console');
    await settled(eventId, ['crm delivered', 'desk dead']);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await Promise.all([crmSandbox.stop(), deskSandbox.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const fits = async () => expect(await horizontalOverflow(page)).toEqual([]);

  /** `eventId target` of each dead letter listed, sorted. */
  const shownRows = async () =>
    (
      await page.$$eval('#dead-letter-list input[name=select]', (boxes) =>
        boxes.map((box) => `${box.getAttribute('value')} ${box.getAttribute('data-target')}`),
      )
    ).sort();
  /** Waits until the list shows exactly `expected`: one row per dead delivery, no other. */
  async function expectRows(expected: string[]): Promise<void> {
    let shown: string[] = [];
    const wanted = [...expected].sort();
    await waitFor(
      async () => {
        shown = await shownRows();
        return JSON.stringify(shown) === JSON.stringify(wanted);
      },
      { timeoutMs: 20_000, what: `the rows ${wanted.join(', ')}` },
    ).catch(() => expect(shown).toEqual(wanted));
  }
  const listEmptied = () =>
    waitFor(async () => (await page.textContent('#dead-letter-list'))!.includes('No dead letters match.'), {
      timeoutMs: 20_000,
      what: 'the emptied list',
    });
  /** Chooses in the filter the label names (a choice applies at once). */
  const choose = (label: string, value: string) => page.getByLabel(label, { exact: true }).selectOption({ value });

  it('lists each target in the overview: its queue, breaker and token', async () => {
    await page.goto(`${base}/console`);
    await page.fill('#token', ADMIN);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#targets tr[data-target=desk]', DEADLINE);
    const desk = await page.textContent('#targets tr[data-target=desk]');
    expect(desk).toMatch(/desk/);
    expect(desk).toMatch(/closed/);
    expect(await page.$$eval('#targets tbody tr', (rows) => rows.map((r) => r.getAttribute('data-target')))).toEqual([
      'crm',
      'desk',
    ]);
    await fits();
  });

  it('shows the target of each dead letter and replays that delivery only', async () => {
    await page.click('#nav a[data-screen=dead-letters]');
    const box = `#dead-letter-list input[name=select][value="${eventId}"][data-target=desk]`;
    await page.waitForSelector(box, DEADLINE);
    expect(await page.textContent('#dead-letter-list thead')).toMatch(/Target/);
    await fits();
    deskSandbox.clearFaults();
    await page.check(box);
    await page.click('#replay-selected');
    await settled(eventId, ['crm delivered', 'desk delivered']);
  });

  it("lists the event's deliveries in the event view", async () => {
    await page.goto(`${base}/console#event?eventId=${eventId}`);
    await page.waitForSelector('#deliveries tr[data-target=desk]', DEADLINE);
    expect(await page.textContent('#deliveries tr[data-target=crm]')).toMatch(/delivered/);
    expect(await page.textContent('#deliveries tr[data-target=desk]')).toMatch(/delivered/);
    await fits();
  });

  describe('dead letters on both targets', () => {
    let chat: string;
    let voice: string;

    beforeAll(async () => {
      crmSandbox.inject(REFUSED);
      deskSandbox.inject(REFUSED);
      chat = await send('chat', 'C-both');
      voice = await send('voice', 'C-desk');
      await settled(chat, ['crm dead', 'desk dead']);
      await settled(voice, ['desk dead']);
      crmSandbox.clearFaults();
      deskSandbox.clearFaults();
    }, 60_000);

    it("filters them by target and by source, from the routing's names, the filter kept in the address", async () => {
      await page.goto(`${base}/console#dead-letters`);
      await expectRows([`${chat} crm`, `${chat} desk`, `${voice} desk`]);
      const options = (name: string) =>
        page.$$eval(`#dead-letter-filters select[name=${name}] option`, (all) => all.map((o) => o.textContent));
      expect(await options('target')).toEqual(['All targets', 'crm', 'desk']);
      expect(await options('source')).toEqual(['All sources', 'chat', 'voice']);

      await choose('Target', 'crm');
      await expectRows([`${chat} crm`]);
      expect(page.url()).toBe(`${base}/console#dead-letters?target=crm`);
      await page.reload();
      await expectRows([`${chat} crm`]);
      expect(await page.inputValue('#dead-letter-filters select[name=target]')).toBe('crm');

      // Each choice changes the rows, so each wait is for the list the new filters brought.
      await choose('Target', 'desk');
      await expectRows([`${chat} desk`, `${voice} desk`]);
      await choose('Source', 'voice');
      await expectRows([`${voice} desk`]);
      await choose('Source', 'chat');
      await expectRows([`${chat} desk`]);
      expect(page.url()).toBe(`${base}/console#dead-letters?target=desk&source=chat`);
      await choose('Target', '');
      await expectRows([`${chat} crm`, `${chat} desk`]);
      expect(page.url()).toBe(`${base}/console#dead-letters?source=chat`);
      await fits();
    });

    it('replays all matching the filters applied, not fields edited since; deletes only the rows shown', async () => {
      await page.goto(`${base}/console#dead-letters?target=desk`);
      await expectRows([`${chat} desk`, `${voice} desk`]);
      // Typed but not applied: the list shown is still the desk's, and so is what "replay all" counts.
      await page.fill('#dead-letter-filters input[name=lastStatus]', '500');
      await page.click('#replay-all');
      await page.waitForSelector('#replay-all-count', DEADLINE);
      expect(await page.textContent('#replay-all-count')).toBe(
        '2 dead letter(s) match these filters and will be replayed.',
      );
      expect(await page.textContent('#replay-all-filters')).toBe('Filters: target desk.');
      await page.click('#replay-all-confirm-button');
      await settled(chat, ['crm dead', 'desk delivered']);
      await settled(voice, ['desk delivered']);
      await listEmptied();

      // A choice applies the whole form: the field typed above is emptied first.
      await page.fill('#dead-letter-filters input[name=lastStatus]', '');
      await choose('Target', 'crm');
      await expectRows([`${chat} crm`]);
      await page.getByLabel('Select all on this page').check();
      await page.click('#delete-selected');
      await listEmptied();
      expect(await deliveries(chat)).toEqual(['desk delivered']);
      expect((await admin('/admin/dead-letters')).body.items).toEqual([]);
    });

    it('keeps a target the routing does not hold chosen, and shows the service naming the targets', async () => {
      // A page of its own: the browser logs the 400 as an error, on purpose here.
      const other = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      try {
        await other.goto(`${base}/console`);
        await other.fill('#token', ADMIN);
        await other.click('#sign-in-form button[type=submit]');
        await other.waitForSelector('#overview-body', DEADLINE);
        await other.goto(`${base}/console#dead-letters?target=gone`);
        await other.waitForSelector('#dead-letters > .notice.failure', DEADLINE);
        expect(await other.textContent('#dead-letters > .notice.failure')).toBe(
          'The service answered 400: target must be one of crm, desk',
        );
        expect(await other.inputValue('#dead-letter-filters select[name=target]')).toBe('gone');
      } finally {
        await other.close();
      }
    });
  });

  it('fits 390 px on every screen, and the browser console logged no error', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const screen of ['overview', 'dead-letters']) {
      await page.click(`#nav a[data-screen=${screen}]`);
      await page.waitForSelector(`#${screen}:not([hidden])`, DEADLINE);
      await fits();
    }
    await page.goto(`${base}/console#dead-letters?target=crm&source=chat`);
    // An option is never visible by itself: the one chosen is waited for in the document.
    await page.waitForSelector('#dead-letter-filters select[name=source] option[value=chat]:checked', {
      ...DEADLINE,
      state: 'attached',
    });
    await fits();
    await page.goto(`${base}/console#event?eventId=${eventId}`);
    await page.waitForSelector('#deliveries', DEADLINE);
    await fits();
    expect(errors).toEqual([]);
  });
});
