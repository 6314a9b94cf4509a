import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEV_SECRET_FILE = 'dev-webhook-secret';

/**
 * Outside production, an hmac deployment without COGNIGY_WEBHOOK_SECRETS gets a random secret,
 * created once under DATA_DIR and reused, so a fresh checkout works without setup while no
 * well-known default secret ever exists. The log names the file, never the value.
 */
export function loadOrCreateDevSecret(dataDir: string): string {
  const file = join(dataDir, DEV_SECRET_FILE);
  const logger = new Logger('Config');
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing) {
      logger.warn(`COGNIGY_WEBHOOK_SECRETS unset: using the development secret in ${file}`);
      return existing;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  // 'wx' refuses to overwrite a file another process created in the meantime.
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateDevSecret(dataDir);
    throw error;
  }
  logger.warn(`COGNIGY_WEBHOOK_SECRETS unset: generated a development secret in ${file}`);
  return secret;
}
