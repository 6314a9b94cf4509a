import { exportStore } from './queue/store-transfer';
import { commandLogger, runStoreCommand } from './store-command';

/**
 * `npm run store:export -- <file>` (in the image: `node dist/store-export.js <file>`), with the
 * service stopped: the SQLite store's queued events and dead letters, with their attempts, and the
 * records' delivered event times, as JSON lines for `store:import`.
 */
runStoreCommand('store:export', 'store-export', async (config, file) => {
  const { queued, dead, records } = await exportStore(config, file, commandLogger);
  return `exported ${queued} queued event(s), ${dead} dead letter(s) and ${records} record state(s) to ${file}`;
});
