import { Browser, chromium, Page } from 'playwright-core';
import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { EventIntake } from '../src/queue/event-intake';
import { dueEvent } from '../src/queue/stored-event.fixture';
import { horizontalOverflow } from './support/console-browser';
import { routedAs, sandboxTarget, startRoutedApp } from './support/routed-app';
import { sandboxEnv } from './support/sandbox-env';
import { TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { unique } from './support/webhook-cases';
import request from 'supertest';

/**
 * The console with routing, in Debian's Chromium (playwright-core) against the application with
 * two targets, each its own CRM sandbox: crm accepts, desk refuses with 400. The overview lists
 * each target; dead letters show their target and replay one delivery; the event view lists its
 * deliveries. Every screen fits 1280 px and 390 px, and the browser console logs no error.
 */

const ADMIN = 'console-routing-admin';
const DEADLINE = { timeout: 20_000 };

describe('operator console with routing, in a browser', () => {
  const crmSandbox = new CrmSandbox({ port: 0 });
  const deskSandbox = new CrmSandbox({ port: 0 });
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  let eventId: string;

  beforeAll(async () => {
    await Promise.all([crmSandbox.start(), deskSandbox.start()]);
    deskSandbox.inject({ status: 400, count: -1, body: { error: 'invalid_field' } });
    const targets = { crm: sandboxTarget(crmSandbox), desk: sandboxTarget(deskSandbox) };
    t = await startRoutedApp(sandboxEnv(crmSandbox, { ADMIN_TOKEN: ADMIN }), routedAs(targets, ['default', 'chat']));
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
    base = base.replace('[::1]', '127.0.0.1');
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));

    const event = dueEvent({ eventId: unique('ev-console'), externalId: unique('C') });
    const deliveries = ['crm', 'desk'].map((target) => ({ target, upsert: event.upsert }));
    await t.app.get(EventIntake).enqueue({ ...event, source: 'chat', deliveries });
    eventId = event.eventId;
    await waitFor(
      async () => {
        const res = await request(t.server).get(`/admin/events/${eventId}`).set('authorization', `Bearer ${ADMIN}`);
        return res.body.state === 'dead';
      },
      { what: 'desk dead-lettered' },
    );
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await Promise.all([crmSandbox.stop(), deskSandbox.stop()]);
  });

  const fits = async () => expect(await horizontalOverflow(page)).toEqual([]);

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
    await waitFor(
      async () =>
        (await request(t.server).get(`/admin/events/${eventId}`).set('authorization', `Bearer ${ADMIN}`)).body.state ===
        'delivered',
      { what: 'desk delivered after the replay' },
    );
  });

  it("lists the event's deliveries in the event view", async () => {
    await page.goto(`${base}/console#event?eventId=${eventId}`);
    await page.waitForSelector('#deliveries tr[data-target=desk]', DEADLINE);
    expect(await page.textContent('#deliveries tr[data-target=crm]')).toMatch(/delivered/);
    expect(await page.textContent('#deliveries tr[data-target=desk]')).toMatch(/delivered/);
    await fits();
  });

  it('fits 390 px on every screen, and the browser console logged no error', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const screen of ['overview', 'dead-letters']) {
      await page.click(`#nav a[data-screen=${screen}]`);
      await page.waitForSelector(`#${screen}:not([hidden])`, DEADLINE);
      await fits();
    }
    await page.goto(`${base}/console#event?eventId=${eventId}`);
    await page.waitForSelector('#deliveries', DEADLINE);
    await fits();
    expect(errors).toEqual([]);
  });
});
