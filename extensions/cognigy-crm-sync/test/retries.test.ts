import assert from 'assert/strict';
import { after, before, describe, it } from 'node:test';
import { cognigyStandIn, runSendNode } from './support/cognigy-stand-in';
import {
  crmRecords,
  freePort,
  get,
  removeDir,
  Sandbox,
  send,
  Service,
  startSandbox,
  startService,
  waitFor,
} from './support/processes';

/**
 * The node sends again while the service is briefly away, as during a deploy: the stopping
 * instance answers 503 (Retry-After), then nothing listens, then the new instance accepts.
 */

const SECRET = 'extension-retry-secret';
const ENV = { WEBHOOK_AUTH_MODES: 'hmac', COGNIGY_WEBHOOK_SECRETS: SECRET, WEBHOOK_REQUIRE_TIMESTAMP: 'true' };

function config(serviceUrl: string, conversationId: string, customerId: string, timeBudgetMs = 18000) {
  return {
    authType: 'hmac',
    hmacConnection: { serviceUrl, secret: SECRET },
    intent: 'update_customer_profile',
    entities: { customerId },
    conversationId,
    botId: 'bot-support-eu',
    status: 'completed',
    contextKey: 'crmSync',
    timeBudgetMs,
    attemptTimeoutMs: 5000,
  };
}

type Answer = { status: string; httpStatus?: number; attempts: number; error?: string; eventId?: string };

describe('Send dialog completion: retries', () => {
  let sandbox: Sandbox;
  const services: Service[] = [];
  before(async () => {
    sandbox = await startSandbox(process.cwd());
  });
  after(async () => {
    for (const service of services) await service.process.stop();
    await sandbox?.process.stop();
    for (const service of services) removeDir(service.dataDir);
  });

  it('a 503 from a stopping instance is retried until the next instance accepts the completion', async () => {
    const first = await startService(sandbox, { ...ENV, SHUTDOWN_GRACE_MS: '120000' });
    services.push(first);
    // A CRM call held in flight keeps the stopping instance answering 503 until it is killed.
    await send('POST', `${sandbox.url}/_sandbox/faults`, JSON.stringify({ target: 'api', hang: true, count: 1 }));
    const earlier = cognigyStandIn();
    await runSendNode(earlier, config(first.url, 'session-retry-0', 'C-RETRY-0'));
    assert.equal((earlier.context.crmSync as Answer).status, 'accepted');
    await waitFor('the CRM to hold a request', async () => {
      const requests = JSON.parse((await get(`${sandbox.url}/_sandbox/requests`)).body) as Array<{
        status: number | null;
      }>;
      return requests.some((r) => r.status === null);
    });
    first.process.child.kill('SIGTERM');
    await waitFor(
      'the stopping instance to refuse webhooks',
      async () => (await get(`${first.url}/health/ready`)).status === 503,
    );

    const standIn = cognigyStandIn();
    const sending = runSendNode(standIn, config(first.url, 'session-retry-1', 'C-RETRY-1'));
    await waitFor('the node to be answered 503', () => webhookRefusals(first.process.output()) > 0);
    await first.process.stop('SIGKILL');
    const second = await startService(sandbox, ENV, { port: first.port, dataDir: first.dataDir });
    services.push(second);
    await sending;

    const answer = standIn.context.crmSync as Answer;
    assert.equal(answer.status, 'accepted', JSON.stringify(answer));
    assert.equal(answer.httpStatus, 202);
    assert.ok(answer.attempts >= 2, `attempts: ${answer.attempts}`);
    await waitFor('both contacts in the CRM', async () => {
      const ids = ((await crmRecords(sandbox)).contacts ?? []).map((r) => r.external_id);
      return ids.includes('C-RETRY-0') && ids.includes('C-RETRY-1');
    });
  });

  it('network errors are retried within the time budget, then stored as an error naming them', async () => {
    const nobody = await freePort();
    const standIn = cognigyStandIn();
    await runSendNode(standIn, config(`http://127.0.0.1:${nobody}`, 'session-retry-2', 'C-RETRY-2', 3000));
    const answer = standIn.context.crmSync as Answer;
    assert.equal(answer.status, 'error');
    assert.ok(answer.attempts >= 2, `attempts: ${answer.attempts}`);
    assert.match(
      String(answer.error),
      /^Not delivered after \d+ attempts, the limit being the node's time budget of 3000 ms: ECONNREFUSED/,
    );
  });
});

/** Access-log lines of webhooks the instance answered 503 (not its readiness probe). */
function webhookRefusals(output: string): number {
  return output
    .split('\n')
    .filter((line) => line.includes('/webhooks/cognigy/dialog-complete') && /"statusCode":503|"status":503/.test(line))
    .length;
}
