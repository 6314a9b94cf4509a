import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connectionOf, sqliteStores } from './sqlite-event-store.fixture';
import { NewEvent } from './stored-event';
import { dueEvent, eventIds, newEvent } from './stored-event.fixture';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const MINUTE = 60_000;

/** Opening a data file an older release wrote: the columns and indexes added since are filled in. */
describe('SqliteEventStore on a file an older release wrote', () => {
  const stores = sqliteStores();

  describe('a file written before the record key existed', () => {
    it('keys each stored event by its external id and orders them so; a row left without a key is keyed at the next start', async () => {
      const old = stores.newDir('before-key');
      firstReleaseFile(old, [
        dueEvent({ eventId: 'old-first', externalId: 'K-1', eventTime: T0 }),
        dueEvent({ eventId: 'old-second', externalId: 'K-1', eventTime: T0 + 1 }),
      ]);

      const upgraded = stores.open({}, old);
      expect(eventIds(await upgraded.delivery.claimDue(10))).toEqual(['old-first']);
      await upgraded.delivery.markDelivered('old-first', 1, { status: 200, error: null });
      expect(eventIds(await upgraded.delivery.claimDue(10))).toEqual(['old-second']);
      const indexes = (connectionOf(upgraded).pragma('index_list(events)') as { name: string }[]).map((i) => i.name);
      expect(indexes).toContain('events_record_key');
      // A row an older version wrote after a rollback (no key) is keyed at the next start.
      const raw = connectionOf(upgraded);
      raw.prepare(`UPDATE events SET record_key = NULL WHERE event_id = 'old-second'`).run();
      upgraded.close();
      const again = stores.open({}, old);
      expect(connectionOf(again).prepare(`SELECT record_key FROM events WHERE event_id = 'old-second'`).get()).toEqual({
        record_key: 'K-1',
      });
    });
  });
  describe('a file written before the search column existed', () => {
    it('gains conversation_id, filled from the stored events, and finds them by conversation', () => {
      const old = stores.newDir('old');
      const input = newEvent({ eventId: 'before-upgrade' });
      firstReleaseFile(old, [input]);

      const upgraded = stores.open({}, old);
      return expect(
        upgraded.operators.search({ conversationId: input.event.conversationId }, 10),
      ).resolves.toMatchObject({
        items: [{ eventId: 'before-upgrade', state: 'queued' }],
        nextCursor: null,
      });
    });
  });

  describe('a file written before records had keep_until', () => {
    it('keeps each known record for RECORD_STATE_TTL_SECONDS from its newest delivered event time', async () => {
      const old = stores.newDir('old-records');
      mkdirSync(old, { recursive: true });
      const db = new Database(join(old, 'events.sqlite'));
      db.exec(`CREATE TABLE records (object_type TEXT NOT NULL, external_id TEXT NOT NULL,
        last_event_time INTEGER NOT NULL, PRIMARY KEY (object_type, external_id))`);
      const delivered = Date.now() - 10 * MINUTE;
      db.prepare('INSERT INTO records VALUES (?, ?, ?)').run('contact', 'K', delivered);
      db.close();

      const upgraded = stores.open({ recordStateTtlSeconds: 3600 }, old);
      expect(connectionOf(upgraded).prepare('SELECT keep_until FROM records').get()).toEqual({
        keep_until: delivered + 3_600_000,
      });
      upgraded.purge();
      await upgraded.intake.enqueue(dueEvent({ eventId: 'k-older', externalId: 'K', eventTime: delivered - 1 }));
      const [older] = await upgraded.delivery.claimDue(10);
      expect(older).toMatchObject({ eventId: 'k-older', stale: true });
    });
  });
});

/** A data file as the first release wrote it (none of the later columns, its records index), holding `events` queued. */
function firstReleaseFile(dir: string, events: NewEvent[]): void {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, 'events.sqlite'));
  db.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE,
    intent TEXT NOT NULL, object_type TEXT NOT NULL, external_id TEXT NOT NULL, event_time INTEGER NOT NULL,
    received_at INTEGER NOT NULL, request_id TEXT NOT NULL, payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0, replays INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL, last_status INTEGER, last_error TEXT, delivered_at INTEGER,
    failed_at INTEGER, dedup_until INTEGER NOT NULL);
    CREATE INDEX events_record ON events (object_type, external_id, state, event_time, seq);`);
  const insert = db.prepare(
    `INSERT INTO events (event_id, intent, object_type, external_id, event_time, received_at, request_id, payload,
       next_attempt_at, dedup_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const { eventId, upsert, event, eventTime, receivedAt, requestId } of events) {
    const payload = JSON.stringify({ event, upsert });
    insert.run(
      eventId,
      upsert.intent,
      upsert.objectType,
      upsert.externalId,
      eventTime,
      receivedAt,
      requestId,
      payload,
      receivedAt,
      receivedAt + 60_000,
    );
  }
  db.close();
}
