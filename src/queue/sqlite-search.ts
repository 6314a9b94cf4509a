import { Database, Statement } from 'better-sqlite3';
import { EventSearch } from './stored-event';

const COLUMNS: Record<keyof EventSearch, string> = {
  conversationId: 'conversation_id',
  externalId: 'external_id',
  state: 'state',
  intent: 'intent',
  source: 'source',
  target: 'target',
};

const cache = new WeakMap<Database, Map<string, Statement>>();

/**
 * The search statement for the filters that are set (one per combination, prepared once): only
 * equality on indexed columns, so SQLite walks one index newest first instead of the whole table.
 */
export function sqliteSearch(db: Database, filter: EventSearch): Statement {
  const keys = (Object.keys(COLUMNS) as (keyof EventSearch)[]).filter((key) => filter[key] !== undefined);
  const statements = cache.get(db) ?? new Map<string, Statement>();
  cache.set(db, statements);
  const id = keys.join(',');
  let statement = statements.get(id);
  if (!statement) {
    const where = keys.map((key) => `${COLUMNS[key]} = @${key}`);
    statement = db.prepare(
      `SELECT * FROM events WHERE ${[...where, 'seq < @before'].join(' AND ')} ORDER BY seq DESC LIMIT @limit`,
    );
    statements.set(id, statement);
  }
  return statement;
}
