import { importStore } from './queue/store-transfer';
import { runStoreCommand } from './store-command';

/**
 * `npm run store:import -- <file>` (in the image: `node dist/store-import.js <file>`) with
 * QUEUE_DRIVER=redis: what `store:export` wrote, into the Redis store; events it holds already are
 * left alone, so a re-run is safe.
 */
runStoreCommand('store:import', 'store-import', async (config, file, redis) => {
  const { queued, dead, records, skipped } = await importStore(config, redis, file);
  return `imported ${queued} queued event(s), ${dead} dead letter(s) and ${records} record state(s) from ${file} (${skipped} already there)`;
});
