import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithin, freePort, runService, serviceEnv } from './support/service-process';

/**
 * First contact: whatever stops startup (configuration, mappings file, the port), the built service
 * prints one clean message on stderr naming every problem, and nothing before it: no stack trace,
 * no Nest ExceptionHandler line, no colour codes, no error log line on stdout.
 */

const STACK_FRAME = /^\s+at /m;

describe('a failed startup prints one clean message', () => {
  let root: string;
  beforeAll(() => (root = mkdtempSync(join(tmpdir(), 'ccs-startup-failure-'))));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function failedStart(env: Record<string, string>): Promise<string> {
    const port = await freePort();
    const service = runService(serviceEnv(port, join(root, `data-${port}`), { CRM_SANDBOX_PORT: '0', ...env }), root);
    expect((await exitWithin(service)).code).toBe(1);
    const stderr = service.stderr();
    expect(stderr).toMatch(/^Startup failed: /);
    expect(stderr.match(/Startup failed/g)).toHaveLength(1);
    expect(stderr).not.toMatch(STACK_FRAME);
    expect(service.output()).not.toContain('ExceptionHandler');
    expect(service.output()).not.toContain('\u001b[');
    expect(service.stdout()).not.toMatch(/"level":(50|60)/);
    return stderr;
  }

  it('names every bad variable, one per line', async () => {
    const stderr = await failedStart({ PORT: 'abc', LOG_LEVEL: 'loud', WEBHOOK_AUTH_MODES: 'hmac,magic' });
    expect(stderr).toBe(
      [
        'Startup failed: Invalid configuration:',
        '  - PORT: must not be greater than 65535; must not be less than 0; must be an integer number',
        '  - LOG_LEVEL: must be one of the following values: fatal, error, warn, info, debug, trace, silent',
        '  - WEBHOOK_AUTH_MODES: unknown mode "magic" (allowed: hmac, basic, apikey, standard)',
        '',
      ].join('\n'),
    );
  });

  it('names every mistake of the mappings file', async () => {
    const file = join(root, 'mappings.json');
    writeFileSync(
      file,
      JSON.stringify({
        mappings: [
          {
            intent: 'schedule_callback',
            objectType: 'callback',
            path: 'api/callbacks',
            idEntity: 'callbackId',
            fields: { phone: {} },
          },
        ],
      }),
    );
    const stderr = await failedStart({ MAPPINGS_FILE: file });
    expect(stderr).toContain(`Invalid mappings file ${file}`);
    expect(stderr).toMatch(/path/);
    expect(stderr).toMatch(/phone/);
  });

  it('says which address is taken when the port is in use', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const stderr = await failedStart({ PORT: String(port) });
      expect(stderr).toBe(`Startup failed: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`);
    } finally {
      blocker.close();
    }
  });
});
