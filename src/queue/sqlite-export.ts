import Database from 'better-sqlite3';
import { QueueConfig } from '../config/queue.config';
import { eventsFile } from './sqlite-database';
import { SqliteEventStore } from './sqlite-event-store';
import { StoredEvent } from './stored-event';
import type { LoggerService } from '@nestjs/common';
import { TransferLine } from './store-transfer-lines';

const PAGE = 500;

/**
 * The SQLite store's part of a move, read through the operators' port (queued events oldest
 * first, then dead letters, each with its attempts) and the records table. The service must be
 * stopped: what it changed after this read would not travel.
 */
export async function* exportSqliteStore(config: QueueConfig, logger: LoggerService): AsyncGenerator<TransferLine> {
  const store = new SqliteEventStore(config, logger);
  try {
    const { operators } = store;
    const queued: StoredEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = await operators.search({ state: 'queued' }, PAGE, cursor);
      queued.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    // search() is newest first: the new store numbers them in arrival order again.
    for (const event of queued.reverse())
      yield { kind: 'event', event: { ...event, history: await operators.attemptsOf(event.eventId, event.target) } };
    cursor = undefined;
    do {
      const page = await operators.listDead(PAGE, cursor);
      for (const event of page.items)
        yield { kind: 'event', event: { ...event, history: await operators.attemptsOf(event.eventId, event.target) } };
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  } finally {
    store.close();
  }
  yield* recordStates(config);
}

function* recordStates(config: QueueConfig): Generator<TransferLine> {
  const db = new Database(eventsFile(config), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT target, object_type AS objectType, external_id AS externalId, last_event_time AS lastEventTime
         FROM records`,
      )
      .iterate() as IterableIterator<{ target: string; objectType: string; externalId: string; lastEventTime: number }>;
    for (const record of rows) yield { kind: 'record', record };
  } finally {
    db.close();
  }
}
