import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const DIST_QUEUE = join(__dirname, '..', 'dist', 'queue');

/**
 * The store thread is a second V8 instance in the process: every package it loads costs memory
 * twice. It runs the build (the suite's global setup rebuilds dist/ from src/), so the build's
 * modules are what it loads.
 */
describe('the store thread', () => {
  it('loads better-sqlite3 and the store, and no Nest package', () => {
    const loaded = execFileSync(
      process.execPath,
      [
        '-e',
        `for (const file of ['sqlite-event-store.js', 'sqlite-thread-protocol.js']) require(${JSON.stringify(DIST_QUEUE)} + '/' + file);
         process.stdout.write(JSON.stringify(Object.keys(require.cache)));`,
      ],
      { encoding: 'utf8' },
    );
    const packages = new Set(
      (JSON.parse(loaded) as string[]).flatMap((file) => {
        const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
        return name ? [name] : [];
      }),
    );
    expect([...packages]).toEqual(['better-sqlite3']);
  });
});
