import { createHash, createHmac } from 'crypto';

/** The credentials of the Connection the node uses, one variant per service auth mode. */
export type ServiceAuth =
  | { mode: 'hmac'; secret: string }
  | { mode: 'basic'; username: string; password: string }
  | { mode: 'apikey'; apiKey: string };

/**
 * The headers that authenticate `body` in the Connection's mode. In `hmac` mode the signature is
 * the hex HMAC-SHA256 of `<unix seconds>.<body>`, over exactly the bytes sent, with a fresh
 * timestamp on every attempt (the service refuses one older than WEBHOOK_TOLERANCE_SECONDS).
 */
export function authHeaders(auth: ServiceAuth, body: string, now: Date): Record<string, string> {
  switch (auth.mode) {
    case 'hmac': {
      const timestamp = String(Math.floor(now.getTime() / 1000));
      const signature = createHmac('sha256', auth.secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
      return { 'X-Cognigy-Timestamp': timestamp, 'X-Cognigy-Signature': signature };
    }
    case 'basic': {
      const token = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
      return { Authorization: `Basic ${token}` };
    }
    case 'apikey':
      return { 'X-API-Key': auth.apiKey };
  }
}

/** What the service calls each setting, for error messages that say what to compare. */
export function serviceSettingsFor(auth: ServiceAuth): string {
  switch (auth.mode) {
    case 'hmac':
      return "the Connection's secret is one of the service's COGNIGY_WEBHOOK_SECRETS (and the clocks agree within WEBHOOK_TOLERANCE_SECONDS)";
    case 'basic':
      return "the Connection's username and password are the service's WEBHOOK_BASIC_USER and WEBHOOK_BASIC_PASSWORD";
    case 'apikey':
      return "the Connection's API key is one of the service's WEBHOOK_API_KEYS";
  }
}

/**
 * The event id the service keys its deduplication on: the same conversation completing the same
 * intent (within the same scope) is one event, however often the node runs or retries.
 */
export function idempotencyKey(conversationId: string, intent: string, scope: string): string {
  const parts = scope === '' ? [conversationId, intent] : [conversationId, intent, scope];
  return `cognigy-${createHash('sha256').update(parts.join('\n'), 'utf8').digest('hex')}`;
}
