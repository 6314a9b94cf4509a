import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContextOptions, chromium, Page } from 'playwright-core';
import request from 'supertest';
import { CrmSandbox } from '../../src/dev/sandbox/crm-sandbox';
import { sandboxEnv } from './sandbox-env';
import { freePort, serviceEnv, ServiceProcess, startService } from './service-process';
import { cognigySignature } from './signing';
import { waitFor } from './wait-for';
import { DIALOG_ROUTE } from './webhook-cases';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CONSOLE_SECRET = 'console-browser-secret';
export const ADMIN = 'console-browser-admin-token';
export const DEADLINE = { timeout: 20_000 };

/** The fields of an access line (pino-http) browserMisses reads. */
interface AccessLine {
  req?: { method: string; url: string; headers?: Record<string, string> };
  res?: { statusCode: number };
}

/** A page, and every error its browser console logged (messages, uncaught exceptions). */
export interface WatchedPage {
  page: Page;
  errors: string[];
}

export interface ConsoleHarness {
  sandbox: CrmSandbox;
  /** http://127.0.0.1:<port> of the running service. */
  base: () => string;
  browser: () => Browser;
  /** The service's output so far. */
  output: () => string;
  /**
   * Requests from the browser the service answered 4xx or 5xx, from its access log: what a
   * browser console would report, for every page and whichever tab fetched it (401s of a wrong
   * token left out).
   */
  browserMisses: () => string[];
  /** A page in a fresh browser context whose console errors are collected. */
  open: (options?: BrowserContextOptions) => Promise<WatchedPage>;
  /** Sends a signed dialog completion; resolves with the event id. */
  send: (body: object) => Promise<string>;
  stateOf: (eventId: string) => Promise<string>;
  waitForState: (eventId: string, state: string) => Promise<unknown>;
  signIn: (page: Page, token?: string) => Promise<void>;
}

/**
 * For the enclosing describe: the built service (`node dist/main.js`, ADMIN_TOKEN set) delivering
 * to the CRM sandbox, and Debian's Chromium driven by playwright-core; all stopped afterwards.
 */
export function consoleHarness(): ConsoleHarness {
  const sandbox = new CrmSandbox({ port: 0 });
  const running: ServiceProcess[] = [];
  let dataDir: string;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    await sandbox.start();
    dataDir = mkdtempSync(join(tmpdir(), 'ccs-console-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = serviceEnv(port, dataDir, {
      ...sandboxEnv(sandbox, { COGNIGY_WEBHOOK_SECRETS: CONSOLE_SECRET, ADMIN_TOKEN: ADMIN }),
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
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const service of running) await service.stop('SIGTERM');
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(() => sandbox.clearFaults());

  const stateOf = async (eventId: string) =>
    (await request(base).get(`/admin/events/${eventId}`).set('authorization', `Bearer ${ADMIN}`)).body.state as string;

  return {
    sandbox,
    base: () => base,
    browser: () => browser,
    output: () => running.map((service) => service.output()).join(''),
    browserMisses: () =>
      running
        .flatMap((service) => service.stdout().split('\n'))
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as AccessLine)
        .filter((line) => line.req?.headers?.['user-agent']?.includes('HeadlessChrome'))
        .filter(({ res }) => res !== undefined && res.statusCode >= 400 && res.statusCode !== 401)
        .map(({ req, res }) => `${res!.statusCode} ${req!.method} ${req!.url}`),
    async open(options = {}) {
      const page = await (await browser.newContext(options)).newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
      });
      page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
      return { page, errors };
    },
    async send(body) {
      const raw = JSON.stringify(body);
      const res = await request(base)
        .post(DIALOG_ROUTE)
        .set('content-type', 'application/json')
        .set('x-cognigy-signature', cognigySignature(CONSOLE_SECRET, raw))
        .send(raw);
      expect(res.status).toBe(202);
      return res.body.eventId as string;
    },
    stateOf,
    waitForState: (eventId, state) =>
      waitFor(async () => (await stateOf(eventId)) === state, { timeoutMs: 20_000, what: `${eventId} ${state}` }),
    async signIn(page, token = ADMIN) {
      await page.goto(`${base}/console`);
      await page.fill('#token', token);
      await page.click('#sign-in-form button[type=submit]');
    },
  };
}

/**
 * Runs in the page (a string: the tests compile without the DOM's types). Form fields are left out
 * of the box check: a long value scrolls inside its field by design.
 */
const OVERFLOW_IN_PAGE = `(() => {
  const found = [];
  const width = document.documentElement.clientWidth;
  const name = (node) => node.tagName.toLowerCase() + (node.id ? '#' + node.id : '') +
    (typeof node.className === 'string' && node.className ? '.' + node.className.split(' ').join('.') : '');
  if (document.documentElement.scrollWidth > width) found.push('page ' + document.documentElement.scrollWidth + ' > ' + width);
  for (const node of document.body.querySelectorAll('*')) {
    if (node.closest('[hidden]') || node.classList.contains('offscreen')) continue;
    const right = node.getBoundingClientRect().right;
    if (right > width + 0.5) found.push(name(node) + ' ends at ' + Math.round(right) + ' > ' + width);
    if (node.matches('input, textarea, select')) continue;
    if (node.scrollWidth > node.clientWidth + 1 && getComputedStyle(node).overflowX !== 'visible')
      found.push(name(node) + ' content ' + node.scrollWidth + ' > box ' + node.clientWidth);
  }
  return found;
})()`;

/**
 * What does not fit the window horizontally: the page wider than the viewport, an element reaching
 * past its right edge, or a box whose content is wider than it (scrolled or clipped). Empty when
 * everything fits.
 */
export const horizontalOverflow = (page: Page): Promise<string[]> => page.evaluate(OVERFLOW_IN_PAGE);
