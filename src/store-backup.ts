import { backupSqliteStore } from './queue/sqlite-backup';
import { runStoreCommand } from './store-command';

/**
 * `npm run backup -- <file>` (in the image: `node dist/store-backup.js <file>`): an online copy of
 * the SQLite store, taken while the service runs; prints what the copy holds.
 */
runStoreCommand('backup', 'store-backup', (config, file) => {
  const report = backupSqliteStore(config, file);
  const events = Object.entries(report.events).map(([state, n]) => `${n} ${state}`);
  return `backup of ${report.source} written to ${report.destination} (${report.bytes} bytes, integrity ok; events: ${events.join(', ') || 'none'})`;
});
