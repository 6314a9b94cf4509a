import { CrmSandbox } from '../src/dev/sandbox/crm-sandbox';
import { RedactionRun } from './support/redaction-run';
import { TokenRelay } from './support/token-relay';

/**
 * Log redaction: a log capture of the BUILT service (dist/main.js, a child process) at
 * LOG_LEVEL=debug, through every auth mode, an admin call, rejected credentials, CRM delivery and
 * a forced token refresh (the run: test/support/redaction-run.ts), contains none of the
 * credentials, signatures or tokens that went by, and still says what happened: pino JSON lines,
 * every event id, debug entities, each request's id on the lines it logged.
 */

/** Every non-empty line of a JSON-lines capture, parsed. */
const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, any>);

describe('log redaction: a debug-level log capture of the built service holds no credential', () => {
  const run = new RedactionRun();
  let sandbox: CrmSandbox;
  let relay: TokenRelay;
  /** name → secret value that must not appear anywhere in stdout or stderr. */
  let forbidden: Map<string, string>;
  /** Event ids the run produced; each must appear in the log. */
  let eventIds: string[];
  let stdout = '';
  let output = '';

  beforeAll(async () => {
    ({ sandbox, relay, forbidden, eventIds, stdout, output } = await run.capture());
  }, 60000);

  afterAll(() => run.stop());

  it('the run really fetched two tokens (the second after a 401) and every token went through the relay', () => {
    expect(relay.tokens).toHaveLength(2);
    expect(sandbox.stats().tokensIssued).toBe(2);
    expect(new Set(relay.tokens).size).toBe(2);
  });

  it('contains none of the secrets, signatures, credentials or tokens', () => {
    const lower = output.toLowerCase();
    const lines = output.split('\n');
    const leaks = [...forbidden]
      .filter(([, value]) => output.includes(value) || lower.includes(value.toLowerCase()))
      .map(([name, value]) => {
        const line = lines.find((l) => l.toLowerCase().includes(value.toLowerCase())) ?? '';
        return `${name} leaked in: ${line.slice(0, 400)}`;
      });
    expect(leaks).toEqual([]);
    // All the values were collected (guards against a silently shortened list).
    expect(forbidden.size).toBeGreaterThanOrEqual(22);
  });

  it('every stdout line is a pino JSON object', () => {
    const lines = stdout.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(10);
    const bad = lines.filter((line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        return (
          typeof parsed !== 'object' ||
          parsed === null ||
          typeof parsed.level !== 'number' ||
          typeof parsed.time !== 'number'
        );
      } catch {
        return true;
      }
    });
    expect(bad).toEqual([]);
  });

  it('still says what happened: every event id, debug entities; credential headers are not in the logged header sets', () => {
    const records = jsonLines(stdout);
    for (const id of eventIds) expect(output).toContain(id);
    // The access line of each accepted webhook carries its event id.
    for (const id of eventIds) {
      expect(records.some((r) => r.eventId === id && r.res?.statusCode === 202)).toBe(true);
    }
    // LOG_LEVEL=debug took effect: entity values are logged at debug (20).
    expect(records.some((r) => r.level === 20 && r.entities)).toBe(true);
    // Request headers are logged from an allowlist: the credential headers are not among them.
    const requestLines = records.filter((r) => r.req?.headers);
    expect(requestLines.length).toBeGreaterThan(0);
    const logged = new Set(requestLines.flatMap((r) => Object.keys(r.req.headers)));
    for (const name of ['authorization', 'x-cognigy-signature', 'x-api-key', 'webhook-signature']) {
      expect(logged.has(name)).toBe(false);
    }
    expect(logged.has('content-type')).toBe(true);
    // The admin requests (good and bad token) were logged, without their Authorization.
    const adminLines = records.filter((r) => typeof r.req?.url === 'string' && r.req.url.startsWith('/admin/'));
    expect(adminLines.length).toBeGreaterThanOrEqual(2);
    expect(adminLines.every((r) => !('authorization' in r.req.headers))).toBe(true);
  });

  it("a line logged during a request carries that request's id and its event's ids", () => {
    const records = jsonLines(stdout);
    for (const id of eventIds) {
      const access = records.find((r) => r.eventId === id && r.res?.statusCode === 202);
      expect(typeof access?.reqId).toBe('string');
      // The debug entities line, written by WebhookIngestService while the request was open.
      const entities = records.find((r) => r.eventId === id && r.entities);
      expect(entities).toMatchObject({ reqId: access?.reqId, conversationId: access?.conversationId });
    }
  });
});
