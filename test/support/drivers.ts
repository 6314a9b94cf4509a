import IORedis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { EnvironmentWithCrm, validateEnvironment } from '../../src/config/environment';
import { RedisConfig, redisConfig } from '../../src/config/redis.config';
import { CONNECTORS } from '../../src/crm/connector-registry';

export type Driver = 'sqlite' | 'redis';

/** The Redis of the tests (global-setup.js sets TEST_REDIS_URL). */
export const redisUrl = () => process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether the Redis suites run: a Redis answered, or CI=true (where they run, and fail, without one). */
export function redisRuns(): boolean {
  return process.env.TEST_REDIS_AVAILABLE === '1' || process.env.CI === 'true';
}

/**
 * One describe per driver, `%s` in `name` standing for it. Without a Redis outside CI the Redis
 * one is registered as skipped, with a notice, so its tests are counted (and printed) as skipped.
 */
export function describeEachDriver(name: string, fn: (driver: Driver) => void): void {
  describe(name.replace('%s', 'sqlite'), () => fn('sqlite'));
  describeWithRedis(name.replace('%s', 'redis'), () => fn('redis'));
}

/** A describe that needs Redis: without one outside CI, registered as skipped, with a notice. */
export function describeWithRedis(title: string, fn: () => void): void {
  const skipped = !redisRuns();
  if (skipped) console.warn(`NOTICE: no Redis at ${redisUrl()}: "${title}" is SKIPPED (it runs under CI=true)`);
  (skipped ? describe.skip : describe)(title, fn);
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

/** The Redis settings of a store on the tests' Redis under `prefix`, as the service builds them. */
export function testRedisConfig(prefix: string, env: Record<string, string> = {}): RedisConfig {
  const raw = { QUEUE_DRIVER: 'redis', REDIS_URL: redisUrl(), REDIS_KEY_PREFIX: prefix, ...env };
  return redisConfig(validateEnvironment(raw, CONNECTORS) as EnvironmentWithCrm);
}
