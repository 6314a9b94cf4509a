import type { LoggerService } from '@nestjs/common';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { QueueConfig } from '../config/queue.config';
import { RedisConfig } from '../config/redis.config';
import { Telemetry } from '../telemetry/telemetry';
import { RecordState, TRANSFER_FORMAT, TransferCounts, TransferLine } from './store-transfer-lines';

/**
 * Moving a store to another driver (SQLite to Redis): what is still to do travels, the queued
 * events and the dead letters with every CRM attempt made for them, and each record's newest
 * delivered event time, so an older event is still recognised as stale after the move. Delivered
 * events stay behind (their dedup window starts afresh in the new store).
 */

const emptyCounts = (): TransferCounts => ({ queued: 0, dead: 0, records: 0, skipped: 0 });

/** Writes the SQLite store's queued events, dead letters and record states to `file` (JSON lines). */
export async function exportStore(config: QueueConfig, file: string, logger: LoggerService): Promise<TransferCounts> {
  if (config.driver !== 'sqlite') throw new Error('export reads the SQLite store: run it with QUEUE_DRIVER=sqlite');
  if (existsSync(file)) throw new Error(`${file} exists: name a new file for the export`);
  const { exportSqliteStore } = await import('./sqlite-export');
  const out = createWriteStream(file, { flags: 'wx' });
  const counts = emptyCounts();
  const write = async (line: object) => {
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
  };
  try {
    await write({ format: TRANSFER_FORMAT, from: 'sqlite', exportedAt: new Date().toISOString() });
    for await (const line of exportSqliteStore(config, logger)) {
      await write(line);
      count(counts, line);
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return counts;
}

/** Reads an export into the Redis store; an event already there is left alone (a re-run is safe). */
export async function importStore(config: QueueConfig, redis: RedisConfig, file: string): Promise<TransferCounts> {
  if (config.driver !== 'redis') throw new Error('import writes into the Redis store: run it with QUEUE_DRIVER=redis');
  if (!existsSync(file)) throw new Error(`no export at ${file}`);
  const { RedisEventStore } = await import('./redis-event-store');
  const store = new RedisEventStore(config, redis, new Telemetry());
  await store.onModuleInit();
  const counts = emptyCounts();
  try {
    const records: RecordState[] = [];
    let header = true;
    for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      if (text.trim() === '') continue;
      const line = JSON.parse(text) as TransferLine & { format?: string };
      if (header) {
        if (line.format !== TRANSFER_FORMAT) throw new Error(`${file} is not a store export (${TRANSFER_FORMAT})`);
        header = false;
      } else if (line.kind === 'record') {
        records.push(line.record);
      } else if (await store.transfer.importEvent(line.event)) {
        count(counts, line);
      } else {
        counts.skipped++;
      }
    }
    // After the events: a record with queued events keeps its state until they are done.
    for (const record of records) {
      await store.transfer.importRecordState(record);
      counts.records++;
    }
  } finally {
    await store.onApplicationShutdown();
  }
  return counts;
}

function count(counts: TransferCounts, line: TransferLine): void {
  if (line.kind === 'record') counts.records++;
  else if (line.event.state === 'dead') counts.dead++;
  else counts.queued++;
}
