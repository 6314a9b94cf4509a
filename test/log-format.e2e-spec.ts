import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  call,
  exitWithin,
  freePort,
  runService,
  serviceEnv,
  ServiceProcess,
  startService,
  waitForOutput,
} from './support/service-process';

/**
 * Log format of the built service: human-readable (pino-pretty) outside production, JSON lines in
 * production, `LOG_FORMAT=json|pretty` overriding either; secrets redacted in both.
 */

const API_KEY = 'api-key-never-in-any-log-5d1e';
const PRODUCTION = {
  NODE_ENV: 'production',
  COGNIGY_WEBHOOK_SECRETS: 'production-secret',
  CRM_BASE_URL: 'http://127.0.0.1:9',
  CRM_AUTH: 'static',
  CRM_ACCESS_TOKEN: 'static-token',
  DELIVERY_ENABLED: 'false',
};

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');
const isJson = (line: string) => {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
};

describe('LOG_FORMAT', () => {
  const running: ServiceProcess[] = [];
  let root: string;
  beforeAll(() => (root = mkdtempSync(join(tmpdir(), 'ccs-log-format-'))));
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop('SIGTERM');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** Starts the service with `env` (LOG_FORMAT unset unless given), makes one API-key request, stops it. */
  async function logsOf(env: Record<string, string>): Promise<string> {
    const port = await freePort();
    const base = serviceEnv(port, join(root, `data-${port}`), {
      WEBHOOK_AUTH_MODES: 'apikey',
      WEBHOOK_API_KEYS: API_KEY,
      ...env,
    });
    if (!('LOG_FORMAT' in env)) delete base.LOG_FORMAT;
    const service = await startService(base, root, running);
    await call(port, 'POST', '/webhooks/cognigy/dialog-complete', { headers: { 'x-api-key': API_KEY }, raw: '{}' });
    await waitForOutput(service, /dialog-complete/);
    await service.stop('SIGTERM');
    return service.stdout();
  }

  it('is human-readable outside production by default, with the request line and no secret', async () => {
    const out = await logsOf({ NODE_ENV: 'development', CRM_SANDBOX_PORT: '0' });
    expect(lines(out).filter(isJson)).toEqual([]);
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[Main\] Listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/(WARN|INFO).*request completed/);
    expect(out).not.toContain(API_KEY);
    expect(out).not.toContain('\u001b['); // no colour codes when stdout is not a terminal
  });

  it('is JSON lines in production by default', async () => {
    const out = await logsOf(PRODUCTION);
    expect(lines(out).length).toBeGreaterThan(3);
    expect(lines(out).filter((line) => !isJson(line))).toEqual([]);
    expect(out).not.toContain(API_KEY);
  });

  it('LOG_FORMAT=json outside production and LOG_FORMAT=pretty in production override the default', async () => {
    const json = await logsOf({ NODE_ENV: 'development', CRM_SANDBOX_PORT: '0', LOG_FORMAT: 'json' });
    expect(lines(json).filter((line) => !isJson(line))).toEqual([]);
    const pretty = await logsOf({ ...PRODUCTION, LOG_FORMAT: 'pretty' });
    expect(lines(pretty).filter(isJson)).toEqual([]);
    expect(pretty).toMatch(/INFO: \[Main\] Listening on/);
    expect(pretty).not.toContain(API_KEY);
  });

  it('any other LOG_FORMAT stops startup naming it', async () => {
    const port = await freePort();
    const service = runService(serviceEnv(port, join(root, 'bad'), { LOG_FORMAT: 'xml' }), root);
    running.push(service);
    expect((await exitWithin(service)).code).toBe(1);
    expect(service.stderr()).toMatch(/LOG_FORMAT: must be one of the following values: json, pretty/);
  });
});
