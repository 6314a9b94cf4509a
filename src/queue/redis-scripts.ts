import { DELIVERY, INDEX, KEEP_RECORD, NEW_FIELDS, RECORD, STORE_DELIVERY } from './redis-script-parts';

/**
 * Lua scripts of the Redis event store. Each runs atomically in Redis, so every instance sees a
 * consistent store. Keys are built from the prefix inside the scripts (ARGV[1]); KEYS[1] is the
 * prefix itself, so on Redis Cluster the script runs on the master of the prefix's hash-tagged
 * slot, where every key of the store lives. The key layout: redis-script-parts.ts.
 */

/**
 * {1, id} accepted | {0, id} duplicate of event id | {2, first id} duplicate by body | {3, id} a
 * delivery's job (BullMQ's key) is missing: nothing written. ARGV: prefix, id, dedup ttl, event
 * time, receipt time, request id, conversation id, body hash, source, intent, then per delivery
 * (route order): target, object type, external id, record key, payload, job key.
 */
export const ENQUEUE = `
${RECORD}
${DELIVERY}
${INDEX}
${STORE_DELIVERY}
${NEW_FIELDS}
local p, id, body = ARGV[1], ARGV[2], ARGV[8]
if body ~= '' then
  local first = redis.call('GET', p .. ':body:' .. body)
  if first then return {2, first} end
end
if redis.call('SET', p .. ':dedup:' .. id, '1', 'NX', 'PX', ARGV[3]) == false then return {0, id} end
-- Queued and dead deliveries keep their event's id past the dedup window: only an operator ends them.
local stored = targetsOf(p, id)
for _, target in ipairs(stored) do
  local state = redis.call('HGET', p .. ':ev:' .. ref(id, target), 'state')
  if state == 'queued' or state == 'dead' then return {0, id} end
end
-- The jobs are added first; a failover may have lost one since (it went to a master that died
-- before replicating it): then write nothing, and the caller answers 503.
for i = 11, #ARGV, 6 do
  if redis.call('EXISTS', ARGV[i + 5]) == 0 then
    redis.call('DEL', p .. ':dedup:' .. id)
    return {3, id}
  end
end
for _, target in ipairs(stored) do forget(p, ref(id, target)) end
if body ~= '' then redis.call('SET', p .. ':body:' .. body, id, 'PX', ARGV[3]) end
for i = 11, #ARGV, 6 do
  local target, objectType, ext = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local fields = newFields(i)
  for _, f in ipairs({'state', 'queued', 'attempts', 0, 'replays', 0, 'nextAttemptAt', ARGV[5], 'bodyHash', body}) do
    table.insert(fields, f)
  end
  local r, _, member = storeDelivery(p, id, target, fields, ARGV[4], ARGV[5], ARGV[7], ext, objectType)
  queueDelivery(p, r, target, member, ARGV[4], ARGV[5], objectType, ARGV[i + 3])
  listTarget(p, id, target)
end
return {1, id}
`;

/**
 * ok (+ last delivered time) | missing | dead | gone | wait (+ when the head is due) | locked.
 * `missing` and `dead` may be about to change (the job is added before its delivery is written or
 * replayed), so the caller retries those for a while; `gone` (delivered, stale) is final.
 */
export const CLAIM = `
${RECORD}
${DELIVERY}
local p, r, token, lease = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local h = redis.call('HMGET', p .. ':ev:' .. r, 'state', 'objectType', 'externalId', 'member', 'target',
  'recordKey')
if not h[1] then return {'missing'} end
if h[1] == 'dead' then return {'dead'} end
if h[1] ~= 'queued' then return {'gone'} end
local t = trk(targetOf(h[5]), h[2], h[6] or h[3])
local head = redis.call('ZRANGE', p .. ':rec:' .. t, 0, 0)[1]
if head and head ~= h[4] then
  local at = redis.call('HGET', p .. ':ev:' .. string.sub(head, 17), 'nextAttemptAt')
  return {'wait', at or '0'}
end
local lock = p .. ':lock:' .. t
local holder = redis.call('GET', lock)
if holder and holder ~= token then return {'locked'} end
redis.call('SET', lock, token, 'PX', lease)
return {'ok', redis.call('GET', p .. ':last:' .. t) or ''}
`;

export const EXTEND = `
${RECORD}
${DELIVERY}
local h = redis.call('HMGET', ARGV[1] .. ':ev:' .. ARGV[2], 'objectType', 'externalId', 'target', 'recordKey')
if not h[1] then return 0 end
local lock = ARGV[1] .. ':lock:' .. trk(targetOf(h[3]), h[1], h[4] or h[2])
if redis.call('GET', lock) ~= ARGV[3] then return 0 end
return redis.call('PEXPIRE', lock, ARGV[4])
`;

/**
 * Records an outcome and releases the record. ARGV: prefix, ref, token, action
 * (delivered|retry|release|dead|stale), attempts, at, status, error, now, dedup ttl, the CRM's
 * record id and whether it created the record (delivered), the record-state ttl, then the
 * delivery's CRM requests (JSON each) for the attempt history.
 */
export const FINISH = `
${RECORD}
${DELIVERY}
local p, r, token, action = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ev = p .. ':ev:' .. r
local h = redis.call('HMGET', ev, 'objectType', 'externalId', 'member', 'eventTime', 'seq', 'state', 'target',
  'recordKey')
if not h[1] then return 0 end
local target = targetOf(h[7])
local t = trk(target, h[1], h[8] or h[2])
local lock = p .. ':lock:' .. t
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
for i = 14, #ARGV do redis.call('RPUSH', p .. ':att:' .. r, ARGV[i]) end
if action == 'retry' then
  redis.call('HSET', ev, 'nextAttemptAt', ARGV[6])
  return 1
end
redis.call('ZREM', p .. ':rec:' .. t, h[3])
redis.call('SREM', p .. ':queued', r)
redis.call('ZREM', p .. ':queued:at', r)
local tq = countKey(p, target, 'tq')
if tq then redis.call('SREM', tq, r) end
local now = tonumber(ARGV[9])
local minute = p .. ':min:' .. string.format('%.0f', now - now % 60000)
if action ~= 'stale' then
  redis.call('HINCRBY', minute, action, 1)
  redis.call('PEXPIRE', minute, 7200000)
end
${KEEP_RECORD}
local function expireRecordWhenIdle()
  if redis.call('EXISTS', p .. ':rec:' .. t) == 0 then keepRecord(p .. ':last:' .. t, now, ARGV[13]) end
end
if action == 'dead' then
  expireRecordWhenIdle()
  redis.call('HSET', ev, 'state', 'dead', 'failedAt', ARGV[9])
  redis.call('ZADD', p .. ':dead', h[5], r)
  local td = countKey(p, target, 'td')
  if td then redis.call('ZADD', td, h[5], r) end
  return 1
end
redis.call('HSET', ev, 'state', action)
redis.call('ZADD', p .. ':expiring', now + tonumber(ARGV[10]), r)
redis.call('INCR', p .. ':count:' .. action)
local tc = countKey(p, target, 'tc')
if tc then redis.call('INCR', tc .. ':' .. action) end
if action == 'delivered' then
  redis.call('HSET', ev, 'deliveredAt', ARGV[9], 'crmRecordId', ARGV[11], 'created', ARGV[12])
  local last = redis.call('GET', p .. ':last:' .. t)
  if not last or tonumber(h[4]) > tonumber(last) then redis.call('SET', p .. ':last:' .. t, h[4]) end
end
expireRecordWhenIdle()
return 1
`;

export const REPLAY = `
${RECORD}
${DELIVERY}
local p, r = ARGV[1], ARGV[2]
local ev = p .. ':ev:' .. r
local h = redis.call('HMGET', ev, 'state', 'objectType', 'externalId', 'member', 'eventTime', 'receivedAt', 'target',
  'recordKey')
if h[1] ~= 'dead' then return 0 end
local target = targetOf(h[7])
redis.call('HSET', ev, 'state', 'queued', 'attempts', 0, 'nextAttemptAt', ARGV[3], 'failedAt', '')
redis.call('HINCRBY', ev, 'replays', 1)
redis.call('ZREM', p .. ':dead', r)
local td = countKey(p, target, 'td')
if td then redis.call('ZREM', td, r) end
redis.call('SADD', p .. ':queued', r)
redis.call('ZADD', p .. ':queued:at', h[6], r)
local tq = countKey(p, target, 'tq')
if tq then redis.call('SADD', tq, r) end
local t = trk(target, h[2], h[8] or h[3])
redis.call('ZADD', p .. ':rec:' .. t, h[5], h[4])
redis.call('PERSIST', p .. ':last:' .. t)
return 1
`;

/**
 * A dead letter deleted; the event's last delivery going takes its id and body markers with it:
 * the same id or bytes are a new event again.
 */
export const DELETE_DEAD = `
${DELIVERY}
${INDEX}
local p, r = ARGV[1], ARGV[2]
local id = idOf(r)
local h = redis.call('HMGET', p .. ':ev:' .. r, 'state', 'target', 'bodyHash')
if h[1] ~= 'dead' then return 0 end
forget(p, r)
redis.call('ZREM', p .. ':dead', r)
local td = countKey(p, targetOf(h[2]), 'td')
if td then redis.call('ZREM', td, r) end
if #targetsOf(p, id) > 0 then return 1 end
redis.call('DEL', p .. ':dedup:' .. id)
if h[3] and h[3] ~= '' and redis.call('GET', p .. ':body:' .. h[3]) == id then
  redis.call('DEL', p .. ':body:' .. h[3])
end
return 1
`;

/**
 * Deletes delivered and stale deliveries whose dedup window has passed, with their search entries
 * and attempts (ARGV: prefix, now, at most this many). One queued again meanwhile is left alone.
 */
export const SWEEP = `
${DELIVERY}
${INDEX}
local p = ARGV[1]
local refs = redis.call('ZRANGEBYSCORE', p .. ':expiring', '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])
for _, r in ipairs(refs) do
  local state = redis.call('HGET', p .. ':ev:' .. r, 'state')
  if state == 'delivered' or state == 'stale' then forget(p, r) end
  redis.call('ZREM', p .. ':expiring', r)
end
return #refs
`;

/**
 * A delivery moved from another store (ARGV as ENQUEUE's first ten, then one delivery's target,
 * object type, external id, record key and payload, then its state, attempts, replays, next
 * attempt, last status, last error, failed at, then its CRM requests as JSON): 1 written, 0 when
 * that delivery is here already.
 */
export const IMPORT_EVENT = `
${RECORD}
${DELIVERY}
${INDEX}
${STORE_DELIVERY}
${NEW_FIELDS}
local p, id, target = ARGV[1], ARGV[2], ARGV[11]
local objectType, ext, state = ARGV[12], ARGV[13], ARGV[16]
if redis.call('EXISTS', p .. ':ev:' .. ref(id, target)) == 1 then return 0 end
redis.call('SET', p .. ':dedup:' .. id, '1', 'PX', ARGV[3])
local fields = newFields(11)
for _, f in ipairs({'state', state, 'attempts', ARGV[17], 'replays', ARGV[18], 'nextAttemptAt', ARGV[19],
    'lastStatus', ARGV[20], 'lastError', ARGV[21]}) do
  table.insert(fields, f)
end
local r, seq, member = storeDelivery(p, id, target, fields, ARGV[4], ARGV[5], ARGV[7], ext, objectType)
for i = 23, #ARGV do redis.call('RPUSH', p .. ':att:' .. r, ARGV[i]) end
listTarget(p, id, target)
if state == 'dead' then
  redis.call('HSET', p .. ':ev:' .. r, 'failedAt', ARGV[22])
  redis.call('ZADD', p .. ':dead', seq, r)
  local td = countKey(p, target, 'td')
  if td then redis.call('ZADD', td, seq, r) end
  return 1
end
queueDelivery(p, r, target, member, ARGV[4], ARGV[5], objectType, ARGV[14])
return 1
`;

/**
 * A record's newest delivered event time moved from another store (ARGV: prefix, target, object
 * type, record key, event time, record-state ttl, now): kept while the record has queued
 * deliveries, else for the ttl after that time or now, the later.
 */
export const IMPORT_RECORD = `
${RECORD}
${KEEP_RECORD}
local p = ARGV[1]
local t = trk(ARGV[2], ARGV[3], ARGV[4])
local last = p .. ':last:' .. t
local known = redis.call('GET', last)
if not known or tonumber(ARGV[5]) > tonumber(known) then redis.call('SET', last, ARGV[5]) end
if redis.call('EXISTS', p .. ':rec:' .. t) == 1 then redis.call('PERSIST', last)
else keepRecord(last, tonumber(ARGV[7]), ARGV[6]) end
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
