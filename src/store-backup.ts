import { loadEnvironment } from './config/load-environment';
import { queueSettings } from './config/queue.config';
import { CONNECTORS } from './crm/connector-registry';
import { backupSqliteStore } from './queue/sqlite-backup';

/**
 * `npm run backup -- <file>` (in the image: `node dist/store-backup.js <file>`): an online copy of
 * the SQLite store, taken while the service runs, with the same environment as the service (DATA_DIR).
 * Prints what the copy holds; exit 1 with the reason when it cannot be made.
 */
function main(): number {
  const destination = process.argv[2];
  if (!destination) {
    console.error('usage: npm run backup -- <new file>   (node dist/store-backup.js <new file>)');
    return 2;
  }
  const report = backupSqliteStore(queueSettings(loadEnvironment(CONNECTORS)), destination);
  const events = Object.entries(report.events).map(([state, n]) => `${n} ${state}`);
  console.log(
    `backup of ${report.source} written to ${report.destination} (${report.bytes} bytes, integrity ok; events: ${events.join(', ') || 'none'})`,
  );
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(`backup failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
