'use strict';
/**
 * A large backlog of queued events, written straight into a SQLite file whose schema the service's
 * own store class (dist/queue) created, without a million webhooks through HTTP. The events are
 * copies of one event the service itself stored (so the CRM request is what the mapping really
 * produces), each with its own event id, conversation and CRM record; `perRecord` consecutive
 * events share a record, so most queued events wait behind their record's head, as after a CRM
 * outage.
 */
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const Database = require('better-sqlite3');
const c = require('./common');

function loadStoreClass() {
  const file = path.join(c.DIST, 'queue', 'sqlite-event-store.js');
  const { SqliteEventStore } = require(file);
  if (!SqliteEventStore) throw new Error(`${file} exports no SqliteEventStore`);
  return SqliteEventStore;
}

/**
 * The store class of the build, opened on dataDir outside Nest; its log lines are dropped. Returns
 * its delivery queue and how to close it: builds before the store was split by port (one object
 * with every port's methods and Nest's shutdown hook) answer the same way.
 */
function openStore(dataDir, sqliteSynchronous = 'normal') {
  const { Logger } = require('@nestjs/common');
  Logger.overrideLogger(false);
  const SqliteEventStore = loadStoreClass();
  // Builds before the store took its logger as an argument ignore the second one.
  const store = new SqliteEventStore(
    { dataDir, sqliteSynchronous, dedupTtlSeconds: 86400 },
    new Logger('SqliteEventStore'),
  );
  if (store.delivery) return { delivery: store.delivery, close: () => store.close() };
  return { delivery: store, close: () => store.onApplicationShutdown() };
}

/** The stored payload of one event the service accepted: the template of the backlog. */
async function templateEvent(pool) {
  const service = await c.startService({ label: 'template', keepData: true });
  try {
    const item = pool.items[0];
    const res = await fetch(`${service.url}${c.WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-cognigy-signature': item.signature },
      body: item.body,
    });
    if (res.status !== 202) throw new Error(`template event: ${res.status} ${await res.text()}`);
  } finally {
    await service.stop();
  }
  const db = new Database(path.join(service.dataDir, 'events.sqlite'), { readonly: true });
  try {
    const row = db.prepare('SELECT * FROM events LIMIT 1').get();
    return { row, body: JSON.parse(pool.items[0].body.toString('utf8')) };
  } finally {
    db.close();
    fs.rmSync(service.dataDir, { recursive: true, force: true });
  }
}

/**
 * Writes `count` queued events into a new store under dataDir: the store class creates the file
 * and its schema, then one INSERT ... SELECT over a counter writes every row inside SQLite (no
 * JavaScript per event). Returns how long it took.
 */
function buildBacklog(template, dataDir, { count, perRecord = 4 }) {
  const started = performance.now();
  openStore(dataDir).close();
  const { row, body } = template;
  const db = new Database(path.join(dataDir, 'events.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const now = Date.now();
    db.prepare(
      `INSERT INTO events (event_id, intent, object_type, external_id, conversation_id, event_time,
         received_at, request_id, payload, next_attempt_at, dedup_until)
       WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < @count - 1)
       SELECT 'backlog-' || i, @intent, @objectType, @externalId || '-r' || (i / @perRecord),
         @conversation || '-b' || i, @eventTime0 + i, @now, 'backlog-' || i,
         replace(replace(replace(@payload,
           @eventIdQuoted, '"backlog-' || i || '"'),
           @conversationQuoted, '"' || @conversation || '-b' || i || '"'),
           @customerQuoted, '"' || @customer || '-r' || (i / @perRecord) || '"'),
         @now, @now + 86400000
       FROM n`,
    ).run({
      count,
      perRecord,
      intent: row.intent,
      objectType: row.object_type,
      externalId: row.external_id,
      eventTime0: now - count,
      now,
      payload: row.payload,
      eventIdQuoted: `"${row.event_id}"`,
      conversation: body.conversationId,
      conversationQuoted: `"${body.conversationId}"`,
      customer: body.entities.customerId.value,
      customerQuoted: `"${body.entities.customerId.value}"`,
    });
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return { count, perRecord, buildS: c.round((performance.now() - started) / 1000, 1) };
}

/**
 * The time of one claim in the steady state of a delivering worker: `inFlight` events held, each
 * claim after the oldest held one was marked delivered (as a finished delivery frees a slot).
 * Returns the median and p99 of claimDue(1) and of nextDueAt() in microseconds.
 */
async function timeClaims(dataDir, { claims = 1500, warmup = 300, inFlight = 64 } = {}) {
  const store = openStore(dataDir);
  const queue = store.delivery;
  const held = [];
  const claimUs = [];
  const nextDueUs = [];
  try {
    for (let i = 0; i < warmup + claims; i++) {
      if (held.length >= inFlight) {
        const done = held.shift();
        await queue.markDelivered(done.eventId, 1, { status: 200, error: null });
      }
      let t = performance.now();
      const [event] = await queue.claimDue(1);
      const claimTook = performance.now() - t;
      t = performance.now();
      await queue.nextDueAt();
      const nextDueTook = performance.now() - t;
      if (!event) throw new Error('timeClaims: the backlog ran out');
      held.push(event);
      if (i >= warmup) {
        claimUs.push(claimTook * 1000);
        nextDueUs.push(nextDueTook * 1000);
      }
    }
  } finally {
    store.close();
  }
  const sorted = (values) => values.sort((a, b) => a - b);
  sorted(claimUs);
  sorted(nextDueUs);
  return {
    claims,
    inFlight,
    claimMedianUs: c.round(c.pct(claimUs, 50), 1),
    claimP99Us: c.round(c.pct(claimUs, 99), 1),
    nextDueMedianUs: c.round(c.pct(nextDueUs, 50), 1),
  };
}

module.exports = { buildBacklog, templateEvent, timeClaims };
