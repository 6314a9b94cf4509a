import { accessSync, constants, mkdirSync } from 'node:fs';

/**
 * Makes sure DATA_DIR exists and is writable, or fails naming the path and the cause: SQLite
 * alone would only say "unable to open database file".
 */
export function ensureDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new Error(`DATA_DIR ${dir} does not exist and cannot be created (${(error as Error).message})`);
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new Error(`DATA_DIR ${dir} is not writable (${(error as Error).message})`);
  }
}
