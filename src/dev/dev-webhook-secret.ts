import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevNotice } from './dev-notice';
import { ensureDataDir } from '../config/data-dir';

export const DEV_SECRET_FILE = 'dev-webhook-secret';

export interface DevWebhookSecret {
  secret: string;
  /** Names the file, never the value. */
  notice: DevNotice;
}

/**
 * Development only: an hmac deployment without COGNIGY_WEBHOOK_SECRETS gets a random secret,
 * created once under DATA_DIR (mode 0600) and reused, so a fresh checkout works without setup
 * while no well-known default secret ever exists.
 */
export function loadOrCreateDevSecret(dataDir: string): DevWebhookSecret {
  const file = join(dataDir, DEV_SECRET_FILE);
  const notice = (what: string) => ({
    context: 'DevWebhookSecret',
    message: `COGNIGY_WEBHOOK_SECRETS unset: ${what} in ${file}`,
  });
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing) return { secret: existing, notice: notice('using the development secret') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  ensureDataDir(dataDir);
  const secret = randomBytes(32).toString('hex');
  // 'wx' refuses to overwrite a file another process created in the meantime.
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateDevSecret(dataDir);
    throw error;
  }
  return { secret, notice: notice('generated a development secret') };
}
