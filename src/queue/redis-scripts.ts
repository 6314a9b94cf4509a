/**
 * Lua scripts of the Redis event store. Each runs atomically in Redis, so every instance sees a
 * consistent store. Keys are built from the prefix inside the scripts (ARGV[1]); KEYS[1] is the
 * prefix itself, so on Redis Cluster the script runs on the master of the prefix's hash-tagged
 * slot, where every key of the store lives.
 *
 * Layout under `<prefix>`:
 *   ev:<id>      hash: the event, its state, attempts, outcome
 *   dedup:<id>   marker with PX = DEDUP_TTL (the duplicate window)
 *   rec:<rk>     zset of the record's queued events, score event time, member `<seq 15>|<id>`
 *                (<rk>: object type and record key, the hash's `recordKey`, or its `externalId` in
 *                events stored before the record key)
 *                (same score: members sort by arrival seq)
 *   last:<rk>    newest event time delivered for the record (stale detection); no expiry while
 *                events of the record are queued, else until RECORD_STATE_TTL after that event
 *                time or the last outcome, the later
 *   body:<hash>  the event first accepted with this raw body, PX = DEDUP_TTL (replays); the
 *                event's hash keeps the hash as `bodyHash`, so deleting a dead letter forgets it
 *   lock:<rk>    the claim on the record, PX lease, value = claim token
 *   att:<id>     list of the event's CRM requests (JSON each), oldest first; dropped with the event
 *   queued (set), dead (zset by seq), seq, count:delivered, count:stale, health
 *   queued:at    zset of queued ids by receipt time (the oldest queued event)
 *   ix:seq       zset of every event id by seq (search by state or intent, newest first)
 *   ix:conv, ix:ext  the same events by conversation id / external id: score 0, member
 *                `<len>:<value>:<seq 15>|<id>` (len in UTF-8 bytes), read newest first with ZREVRANGEBYLEX
 *   expiring     zset of delivered and stale ids by the time SWEEP deletes them (after DEDUP_TTL)
 *   min:<minute> hash {delivered, dead}: the operators' per-minute counts, kept two hours
 */

// The object type's length first: a record key holding ':' must not name another record.
const RECORD = `local function rk(objectType, recordKey)
  return string.len(objectType) .. ':' .. objectType .. ':' .. recordKey
end`;

// The operators' search entries of one event; `seq` as stored (a string).
const INDEX = `local function lexm(value, seq, id)
  return string.len(value) .. ':' .. value .. ':' .. string.format('%015d', tonumber(seq)) .. '|' .. id
end
local function unindex(p, id, seq, conv, ext)
  if not seq then return end
  redis.call('ZREM', p .. ':ix:seq', id)
  if conv then redis.call('ZREM', p .. ':ix:conv', lexm(conv, seq, id)) end
  if ext then redis.call('ZREM', p .. ':ix:ext', lexm(ext, seq, id)) end
end
local function forget(p, id)
  local h = redis.call('HMGET', p .. ':ev:' .. id, 'seq', 'conversationId', 'externalId')
  unindex(p, id, h[1], h[2], h[3])
  redis.call('DEL', p .. ':ev:' .. id, p .. ':att:' .. id)
end`;

// A record's newest delivered event time, kept for `ttl` ms after that time or after `now`, the later.
const KEEP_RECORD = `local function keepRecord(last, now, ttl)
  local time = tonumber(redis.call('GET', last) or '0')
  redis.call('PEXPIREAT', last, string.format('%.0f', math.max(now, time) + tonumber(ttl)))
end`;

/**
 * {1, id} accepted | {0, id} duplicate of event id | {2, first id} duplicate by body (ARGV[13]) |
 * {3, id} its delivery job (ARGV[14], BullMQ's key) is missing: nothing written.
 */
export const ENQUEUE = `
${RECORD}
${INDEX}
local p, id, body = ARGV[1], ARGV[2], ARGV[13]
local ev = p .. ':ev:' .. id
if body ~= '' then
  local first = redis.call('GET', p .. ':body:' .. body)
  if first then return {2, first} end
end
if redis.call('SET', p .. ':dedup:' .. id, '1', 'NX', 'PX', ARGV[3]) == false then return {0, id} end
-- Pending and dead events keep their id past the dedup window: only an operator ends them.
local state = redis.call('HGET', ev, 'state')
if state == 'queued' or state == 'dead' then return {0, id} end
-- The job is added first; a failover may have lost it since (it went to a master that died
-- before replicating it): then write nothing, and the caller answers 503.
if redis.call('EXISTS', ARGV[14]) == 0 then
  redis.call('DEL', p .. ':dedup:' .. id)
  return {3, id}
end
if body ~= '' then redis.call('SET', p .. ':body:' .. body, id, 'PX', ARGV[3]) end
local seq = redis.call('INCR', p .. ':seq')
local member = string.format('%015d', seq) .. '|' .. id
forget(p, id)
redis.call('HSET', ev, 'payload', ARGV[4], 'intent', ARGV[5], 'objectType', ARGV[6],
  'externalId', ARGV[7], 'eventTime', ARGV[8], 'receivedAt', ARGV[9], 'requestId', ARGV[10],
  'conversationId', ARGV[11], 'recordKey', ARGV[12], 'seq', seq, 'member', member, 'state', 'queued',
  'attempts', 0, 'replays', 0, 'nextAttemptAt', ARGV[9], 'bodyHash', body)
local r = rk(ARGV[6], ARGV[12])
redis.call('ZADD', p .. ':rec:' .. r, ARGV[8], member)
redis.call('PERSIST', p .. ':last:' .. r)
redis.call('SADD', p .. ':queued', id)
redis.call('ZADD', p .. ':queued:at', ARGV[9], id)
redis.call('ZADD', p .. ':ix:seq', seq, id)
redis.call('ZADD', p .. ':ix:conv', 0, lexm(ARGV[11], seq, id))
redis.call('ZADD', p .. ':ix:ext', 0, lexm(ARGV[7], seq, id))
return {1, id}
`;

/**
 * ok (+ last delivered time) | missing | dead | gone | wait (+ when the head is due) | locked.
 * `missing` and `dead` may be about to change (the job is added before its event is written or
 * replayed), so the caller retries those for a while; `gone` (delivered, stale) is final.
 */
export const CLAIM = `
${RECORD}
local p, id, token, lease = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local h = redis.call('HMGET', p .. ':ev:' .. id, 'state', 'objectType', 'externalId', 'member', 'recordKey')
if not h[1] then return {'missing'} end
if h[1] == 'dead' then return {'dead'} end
if h[1] ~= 'queued' then return {'gone'} end
local r = rk(h[2], h[5] or h[3])
local head = redis.call('ZRANGE', p .. ':rec:' .. r, 0, 0)[1]
if head and head ~= h[4] then
  local at = redis.call('HGET', p .. ':ev:' .. string.sub(head, 17), 'nextAttemptAt')
  return {'wait', at or '0'}
end
local lock = p .. ':lock:' .. r
local holder = redis.call('GET', lock)
if holder and holder ~= token then return {'locked'} end
redis.call('SET', lock, token, 'PX', lease)
return {'ok', redis.call('GET', p .. ':last:' .. r) or ''}
`;

export const EXTEND = `
${RECORD}
local h = redis.call('HMGET', ARGV[1] .. ':ev:' .. ARGV[2], 'objectType', 'externalId', 'recordKey')
if not h[1] then return 0 end
local lock = ARGV[1] .. ':lock:' .. rk(h[1], h[3] or h[2])
if redis.call('GET', lock) ~= ARGV[3] then return 0 end
return redis.call('PEXPIRE', lock, ARGV[4])
`;

/**
 * Records an outcome and releases the record. ARGV: prefix, id, token, action
 * (delivered|retry|release|dead|stale), attempts, at, status, error, now, dedup ttl, the CRM's
 * record id and whether it created the record (delivered), the record-state ttl, then the
 * delivery's CRM requests (JSON each) for the attempt history.
 */
export const FINISH = `
${RECORD}
local p, id, token, action = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ev = p .. ':ev:' .. id
local h = redis.call('HMGET', ev, 'objectType', 'externalId', 'member', 'eventTime', 'seq', 'state', 'recordKey')
if not h[1] then return 0 end
local r = rk(h[1], h[7] or h[2])
local lock = p .. ':lock:' .. r
local holder = redis.call('GET', lock)
-- A claim that lapsed and was taken over by another instance records nothing.
if holder and holder ~= token then return 0 end
if holder then redis.call('DEL', lock) end
if h[6] ~= 'queued' then return 0 end
if action == 'release' then
  redis.call('HSET', ev, 'nextAttemptAt', ARGV[6])
  return 1
end
redis.call('HSET', ev, 'attempts', ARGV[5], 'lastStatus', ARGV[7], 'lastError', ARGV[8])
for i = 14, #ARGV do redis.call('RPUSH', p .. ':att:' .. id, ARGV[i]) end
if action == 'retry' then
  redis.call('HSET', ev, 'nextAttemptAt', ARGV[6])
  return 1
end
redis.call('ZREM', p .. ':rec:' .. r, h[3])
redis.call('SREM', p .. ':queued', id)
redis.call('ZREM', p .. ':queued:at', id)
local now = tonumber(ARGV[9])
local minute = p .. ':min:' .. string.format('%.0f', now - now % 60000)
if action ~= 'stale' then
  redis.call('HINCRBY', minute, action, 1)
  redis.call('PEXPIRE', minute, 7200000)
end
${KEEP_RECORD}
local function expireRecordWhenIdle()
  if redis.call('EXISTS', p .. ':rec:' .. r) == 0 then keepRecord(p .. ':last:' .. r, now, ARGV[13]) end
end
if action == 'dead' then
  expireRecordWhenIdle()
  redis.call('HSET', ev, 'state', 'dead', 'failedAt', ARGV[9])
  redis.call('ZADD', p .. ':dead', h[5], id)
  return 1
end
redis.call('HSET', ev, 'state', action)
redis.call('ZADD', p .. ':expiring', now + tonumber(ARGV[10]), id)
redis.call('INCR', p .. ':count:' .. action)
if action == 'delivered' then
  redis.call('HSET', ev, 'deliveredAt', ARGV[9], 'crmRecordId', ARGV[11], 'created', ARGV[12])
  local last = redis.call('GET', p .. ':last:' .. r)
  if not last or tonumber(h[4]) > tonumber(last) then redis.call('SET', p .. ':last:' .. r, h[4]) end
end
expireRecordWhenIdle()
return 1
`;

export const REPLAY = `
${RECORD}
local p, id = ARGV[1], ARGV[2]
local ev = p .. ':ev:' .. id
local h = redis.call('HMGET', ev, 'state', 'objectType', 'externalId', 'member', 'eventTime', 'receivedAt',
  'recordKey')
if h[1] ~= 'dead' then return 0 end
redis.call('HSET', ev, 'state', 'queued', 'attempts', 0, 'nextAttemptAt', ARGV[3], 'failedAt', '')
redis.call('HINCRBY', ev, 'replays', 1)
redis.call('ZREM', p .. ':dead', id)
redis.call('SADD', p .. ':queued', id)
redis.call('ZADD', p .. ':queued:at', h[6], id)
local r = rk(h[2], h[7] or h[3])
redis.call('ZADD', p .. ':rec:' .. r, h[5], h[4])
redis.call('PERSIST', p .. ':last:' .. r)
return 1
`;

/** A dead letter deleted with its id and body markers: the same id or bytes are a new event again. */
export const DELETE_DEAD = `
${INDEX}
local p, id = ARGV[1], ARGV[2]
local h = redis.call('HMGET', p .. ':ev:' .. id, 'state', 'bodyHash')
if h[1] ~= 'dead' then return 0 end
forget(p, id)
redis.call('ZREM', p .. ':dead', id)
redis.call('DEL', p .. ':dedup:' .. id)
if h[2] and h[2] ~= '' and redis.call('GET', p .. ':body:' .. h[2]) == id then
  redis.call('DEL', p .. ':body:' .. h[2])
end
return 1
`;

/**
 * Deletes delivered and stale events whose dedup window has passed, with their search entries and
 * attempts (ARGV: prefix, now, at most this many). An event queued again meanwhile is left alone.
 */
export const SWEEP = `
${INDEX}
local p = ARGV[1]
local ids = redis.call('ZRANGEBYSCORE', p .. ':expiring', '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do
  local state = redis.call('HGET', p .. ':ev:' .. id, 'state')
  if state == 'delivered' or state == 'stale' then forget(p, id) end
  redis.call('ZREM', p .. ':expiring', id)
end
return #ids
`;

/**
 * An event moved from another store (ARGV: prefix, id, dedup ttl, payload, intent, object type,
 * external id, event time, receipt time, request id, conversation id, record key, state, attempts,
 * replays, next attempt, last status, last error, failed at, then its CRM requests as JSON): 1
 * written, 0 when the id is here already.
 */
export const IMPORT_EVENT = `
${RECORD}
${INDEX}
local p, id, state = ARGV[1], ARGV[2], ARGV[13]
local ev = p .. ':ev:' .. id
if redis.call('EXISTS', ev) == 1 then return 0 end
redis.call('SET', p .. ':dedup:' .. id, '1', 'PX', ARGV[3])
local seq = redis.call('INCR', p .. ':seq')
local member = string.format('%015d', seq) .. '|' .. id
redis.call('HSET', ev, 'payload', ARGV[4], 'intent', ARGV[5], 'objectType', ARGV[6],
  'externalId', ARGV[7], 'eventTime', ARGV[8], 'receivedAt', ARGV[9], 'requestId', ARGV[10],
  'conversationId', ARGV[11], 'recordKey', ARGV[12], 'seq', seq, 'member', member, 'state', state,
  'attempts', ARGV[14], 'replays', ARGV[15], 'nextAttemptAt', ARGV[16], 'lastStatus', ARGV[17],
  'lastError', ARGV[18])
for i = 20, #ARGV do redis.call('RPUSH', p .. ':att:' .. id, ARGV[i]) end
redis.call('ZADD', p .. ':ix:seq', seq, id)
redis.call('ZADD', p .. ':ix:conv', 0, lexm(ARGV[11], seq, id))
redis.call('ZADD', p .. ':ix:ext', 0, lexm(ARGV[7], seq, id))
if state == 'dead' then
  redis.call('HSET', ev, 'failedAt', ARGV[19])
  redis.call('ZADD', p .. ':dead', seq, id)
  return 1
end
local r = rk(ARGV[6], ARGV[12])
redis.call('ZADD', p .. ':rec:' .. r, ARGV[8], member)
redis.call('PERSIST', p .. ':last:' .. r)
redis.call('SADD', p .. ':queued', id)
redis.call('ZADD', p .. ':queued:at', ARGV[9], id)
return 1
`;

/**
 * A record's newest delivered event time moved from another store (ARGV: prefix, object type,
 * record key, event time, record-state ttl, now): kept while the record has queued events, else
 * for the ttl after that time or now, the later.
 */
export const IMPORT_RECORD = `
${RECORD}
${KEEP_RECORD}
local p = ARGV[1]
local r = rk(ARGV[2], ARGV[3])
local last = p .. ':last:' .. r
local known = redis.call('GET', last)
if not known or tonumber(ARGV[4]) > tonumber(known) then redis.call('SET', last, ARGV[4]) end
if redis.call('EXISTS', p .. ':rec:' .. r) == 1 then redis.call('PERSIST', last)
else keepRecord(last, tonumber(ARGV[6]), ARGV[5]) end
return 1
`;

/** The scripts, by the command name each is defined under on the store's connection. */
export const STORE_SCRIPTS = {
  enqueue: ENQUEUE,
  claim: CLAIM,
  extend: EXTEND,
  finish: FINISH,
  replay: REPLAY,
  delete_dead: DELETE_DEAD,
  sweep: SWEEP,
  import_event: IMPORT_EVENT,
  import_record: IMPORT_RECORD,
} as const;

export type StoreScript = keyof typeof STORE_SCRIPTS;
