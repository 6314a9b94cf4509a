#!/usr/bin/env node
// `npm run send-sample`: posts one signed event of each built-in intent to the running service,
// prints the answers, then shows what the sandbox CRM holds. Reads the same .env as the service.
const { createHmac, randomUUID } = require('node:crypto');
const { existsSync, readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

if (existsSync('.env')) process.loadEnvFile('.env');
const env = process.env;
const serviceUrl = env.SERVICE_URL ?? `http://127.0.0.1:${env.PORT ?? 3000}`;
const sandboxUrl = env.SANDBOX_URL ?? `http://127.0.0.1:${env.CRM_SANDBOX_PORT ?? 4010}`;
const modes = (env.WEBHOOK_AUTH_MODES ?? 'hmac').split(',').map((m) => m.trim());

function hmacSecret() {
  const configured = (env.COGNIGY_WEBHOOK_SECRETS ?? '').split(',')[0].trim();
  if (configured) return configured;
  const file = join(resolve(env.DATA_DIR ?? './data'), 'dev-webhook-secret');
  if (!existsSync(file)) throw new Error(`No COGNIGY_WEBHOOK_SECRETS and no ${file}: start the service once first`);
  return readFileSync(file, 'utf8').trim();
}

function authHeaders(body) {
  if (modes.includes('hmac')) {
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = createHmac('sha256', hmacSecret()).update(`${timestamp}.${body}`).digest('hex');
    return { 'X-Cognigy-Signature': signature, 'X-Cognigy-Timestamp': String(timestamp) };
  }
  if (modes.includes('apikey')) return { 'X-API-Key': env.WEBHOOK_API_KEYS.split(',')[0].trim() };
  if (modes.includes('basic')) {
    const credentials = Buffer.from(`${env.WEBHOOK_BASIC_USER}:${env.WEBHOOK_BASIC_PASSWORD}`).toString('base64');
    return { Authorization: `Basic ${credentials}` };
  }
  throw new Error('send-sample supports the hmac, apikey and basic modes');
}

const now = new Date().toISOString();
const samples = [
  {
    conversationId: `conv-${randomUUID().slice(0, 8)}`, botId: 'bot-support-eu', status: 'completed',
    intent: 'update_customer_profile', timestamp: now, metadata: { channel: 'voice' },
    entities: { customerId: { value: 'C-1001', confidence: 0.98 }, newStatus: { value: 'gold', confidence: 0.91 } },
  },
  {
    conversationId: `conv-${randomUUID().slice(0, 8)}`, botId: 'bot-support-eu', status: 'completed',
    intent: 'log_support_ticket', timestamp: now, metadata: { channel: 'chat' },
    entities: { ticketId: { value: 'T-77' }, priority: { value: 'high' }, issue: { value: 'Router keeps rebooting' } },
  },
];

async function main() {
  for (const sample of samples) {
    const body = JSON.stringify(sample);
    const res = await fetch(`${serviceUrl}/webhooks/cognigy/dialog-complete`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...authHeaders(body) },
      body,
    });
    console.log(`${sample.intent}: ${res.status} ${await res.text()}`);
  }
  await new Promise((r) => setTimeout(r, 1500));
  try {
    const records = await fetch(`${sandboxUrl}/_sandbox/records`);
    console.log(`\nSandbox CRM records (${sandboxUrl}/_sandbox/records):`);
    console.log(JSON.stringify(await records.json(), null, 2));
  } catch {
    console.log(`\n(no sandbox CRM at ${sandboxUrl}: deliveries go to your CRM_BASE_URL)`);
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
