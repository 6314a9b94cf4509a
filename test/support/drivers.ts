import IORedis from 'ioredis';
import { randomUUID } from 'node:crypto';

export type Driver = 'sqlite' | 'redis';

/** The Redis of the tests (global-setup.js sets TEST_REDIS_URL). */
export const redisUrl = () => process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The drivers a behaviour suite runs against. Redis is skipped with a visible notice when no
 * Redis answers, except under CI=true, where its suites run (and fail) instead.
 */
export function drivers(): Driver[] {
  if (process.env.TEST_REDIS_AVAILABLE === '1' || process.env.CI === 'true') return ['sqlite', 'redis'];
  console.warn(`NOTICE: no Redis at ${redisUrl()}: the Redis driver suites are SKIPPED (they run under CI=true)`);
  return ['sqlite'];
}

/** Environment selecting `driver`, with a key prefix of its own for Redis. */
export function driverEnv(driver: Driver, prefix = `ccs-test-${randomUUID().slice(0, 8)}`): Record<string, string> {
  return driver === 'redis' ? { QUEUE_DRIVER: 'redis', REDIS_URL: redisUrl(), REDIS_KEY_PREFIX: prefix } : {};
}

/** Deletes every key under a test's prefix. */
export async function cleanRedis(env: Record<string, string>): Promise<void> {
  if (env.QUEUE_DRIVER !== 'redis') return;
  const client = new IORedis(redisUrl());
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${env.REDIS_KEY_PREFIX}:*`, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
