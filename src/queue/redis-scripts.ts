/**
 * Lua scripts of the Redis event store. Each runs atomically in Redis, so every instance sees a
 * consistent store. Keys are built from the prefix inside the scripts: single-node Redis (or
 * Sentinel), not Redis Cluster.
 *
 * Layout under `<prefix>`:
 *   ev:<id>      hash: the event, its state, attempts, outcome
 *   dedup:<id>   marker with PX = DEDUP_TTL (the duplicate window)
 *   rec:<rk>     zset of the record's queued events, score event time, member `<seq 15>|<id>`
 *                (same score: members sort by arrival seq)
 *   last:<rk>    newest event time delivered for the record (stale detection)
 *   lock:<rk>    the claim on the record, PX lease, value = claim token
 *   queued (set), dead (zset by seq), seq, count:delivered, count:stale, health
 */

// The object type's length first: an external id holding ':' must not name another record.
const RECORD = `local function rk(objectType, externalId)
  return string.len(objectType) .. ':' .. objectType .. ':' .. externalId
end`;

export const ENQUEUE = `
${RECORD}
local p, id = ARGV[1], ARGV[2]
local ev = p .. ':ev:' .. id
if redis.call('SET', p .. ':dedup:' .. id, '1', 'NX', 'PX', ARGV[3]) == false then return 0 end
-- Pending and dead events keep their id past the dedup window: only an operator ends them.
local state = redis.call('HGET', ev, 'state')
if state == 'queued' or state == 'dead' then return 0 end
local seq = redis.call('INCR', p .. ':seq')
local member = string.format('%015d', seq) .. '|' .. id
redis.call('DEL', ev)
redis.call('HSET', ev, 'payload', ARGV[4], 'intent', ARGV[5], 'objectType', ARGV[6],
  'externalId', ARGV[7], 'eventTime', ARGV[8], 'receivedAt', ARGV[9], 'requestId', ARGV[10],
  'seq', seq, 'member', member, 'state', 'queued', 'attempts', 0, 'replays', 0,
  'nextAttemptAt', ARGV[9])
redis.call('ZADD', p .. ':rec:' .. rk(ARGV[6], ARGV[7]), ARGV[8], member)
redis.call('SADD', p .. ':queued', id)
return 1
`;

/**
 * ok (+ last delivered time) | missing | dead | gone | wait (+ when the head is due) | locked.
 * `missing` and `dead` may be about to change (the job is added before its event is written or
 * replayed), so the caller retries those for a while; `gone` (delivered, stale) is final.
 */
export const CLAIM = `
${RECORD}
local p, id, token, lease = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local h = redis.call('HMGET', p .. ':ev:' .. id, 'state', 'objectType', 'externalId', 'member')
if not h[1] then return {'missing'} end
if h[1] == 'dead' then return {'dead'} end
if h[1] ~= 'queued' then return {'gone'} end
local r = rk(h[2], h[3])
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
local h = redis.call('HMGET', ARGV[1] .. ':ev:' .. ARGV[2], 'objectType', 'externalId')
if not h[1] then return 0 end
local lock = ARGV[1] .. ':lock:' .. rk(h[1], h[2])
if redis.call('GET', lock) ~= ARGV[3] then return 0 end
return redis.call('PEXPIRE', lock, ARGV[4])
`;

/**
 * Records an outcome and releases the record. ARGV: prefix, id, token, action
 * (delivered|retry|release|dead|stale), attempts, at, status, error, now, ttl.
 */
export const FINISH = `
${RECORD}
local p, id, token, action = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ev = p .. ':ev:' .. id
local h = redis.call('HMGET', ev, 'objectType', 'externalId', 'member', 'eventTime', 'seq', 'state')
if not h[1] then return 0 end
local r = rk(h[1], h[2])
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
if action == 'retry' then
  redis.call('HSET', ev, 'nextAttemptAt', ARGV[6])
  return 1
end
redis.call('ZREM', p .. ':rec:' .. r, h[3])
redis.call('SREM', p .. ':queued', id)
if action == 'dead' then
  redis.call('HSET', ev, 'state', 'dead', 'failedAt', ARGV[9])
  redis.call('ZADD', p .. ':dead', h[5], id)
  return 1
end
redis.call('HSET', ev, 'state', action)
redis.call('PEXPIRE', ev, ARGV[10])
redis.call('INCR', p .. ':count:' .. action)
if action == 'delivered' then
  redis.call('HSET', ev, 'deliveredAt', ARGV[9])
  local last = redis.call('GET', p .. ':last:' .. r)
  if not last or tonumber(h[4]) > tonumber(last) then redis.call('SET', p .. ':last:' .. r, h[4]) end
end
return 1
`;

export const REPLAY = `
${RECORD}
local p, id = ARGV[1], ARGV[2]
local ev = p .. ':ev:' .. id
local h = redis.call('HMGET', ev, 'state', 'objectType', 'externalId', 'member', 'eventTime')
if h[1] ~= 'dead' then return 0 end
redis.call('HSET', ev, 'state', 'queued', 'attempts', 0, 'nextAttemptAt', ARGV[3], 'failedAt', '')
redis.call('HINCRBY', ev, 'replays', 1)
redis.call('ZREM', p .. ':dead', id)
redis.call('SADD', p .. ':queued', id)
redis.call('ZADD', p .. ':rec:' .. rk(h[2], h[3]), h[5], h[4])
return 1
`;

export const DELETE_DEAD = `
local ev = ARGV[1] .. ':ev:' .. ARGV[2]
if redis.call('HGET', ev, 'state') ~= 'dead' then return 0 end
redis.call('DEL', ev)
redis.call('ZREM', ARGV[1] .. ':dead', ARGV[2])
return 1
`;
