/**
 * The Lua functions the scripts of the Redis event store (redis-scripts.ts) share, and the key
 * layout they keep.
 *
 * Each stored event hash is one delivery: an event's fields, the upsert for one target and that
 * delivery's state (docs/routing.md). A delivery is named by its ref: the event id for the target
 * `default`, `<id> <target>` for another (an event id holds no space); a record of a target by its
 * trk: `<rk>` for `default` (it starts with a digit), `<target> <rk>` for another (a target name
 * starts with a letter). So the previous release's keys are this one's `default` deliveries.
 *
 * Layout under `<prefix>`:
 *   ev:<ref>     hash: the event, its target, source and upsert, its state, attempts, outcome
 *   dl:<id>      set of the targets the event has a delivery stored for; absent: `default` alone
 *   dedup:<id>   marker with PX = DEDUP_TTL (the duplicate window)
 *   rec:<trk>    zset of the record's queued deliveries, score event time, member `<seq 15>|<ref>`
 *                (same score: members sort by arrival seq); the record is its object type and
 *                record key (the hash's `recordKey`, or its `externalId` when stored before it)
 *   last:<trk>   newest event time delivered for the record (stale detection); no expiry while
 *                deliveries of the record are queued, else until RECORD_STATE_TTL after that event
 *                time or the last outcome, the later
 *   body:<hash>  the event first accepted with this raw body, PX = DEDUP_TTL (replays); each of
 *                its deliveries keeps the hash as `bodyHash`, so deleting its last dead letter forgets it
 *   lock:<trk>   the claim on the record, PX lease, value = claim token
 *   att:<ref>    list of the delivery's CRM requests (JSON each), oldest first; dropped with it
 *   queued (set), dead (zset by seq), seq, count:delivered, count:stale, health: every target's
 *   targets      set of the names of targets other than `default` that had a delivery
 *   tq:<target>, td:<target>, tc:<target>:<delivered|stale>  the same per target other than
 *                `default` (whose figures are the totals minus the others')
 *   queued:at    zset of queued refs by receipt time (the oldest queued delivery)
 *   ix:seq       zset of every ref by seq (search by state or intent, newest first)
 *   ix:conv, ix:ext  the same deliveries by conversation id / external id: score 0, member
 *                `<len>:<value>:<seq 15>|<ref>` (len in UTF-8 bytes), read newest first with ZREVRANGEBYLEX
 *   expiring     zset of delivered and stale refs by the time SWEEP deletes them (after DEDUP_TTL)
 *   min:<minute> hash {delivered, dead}: the operators' per-minute counts, kept two hours
 */

// The object type's length first: an external id holding ':' must not name another record.
export const RECORD = `local function rk(objectType, recordKey)
  return string.len(objectType) .. ':' .. objectType .. ':' .. recordKey
end
local function trk(target, objectType, recordKey)
  if target == 'default' then return rk(objectType, recordKey) end
  return target .. ' ' .. rk(objectType, recordKey)
end`;

/** A delivery's ref, its target (a hash of the previous release has none: `default`). */
export const DELIVERY = `local function ref(id, target)
  if target == 'default' then return id end
  return id .. ' ' .. target
end
local function targetOf(stored)
  if stored then return stored end
  return 'default'
end
local function idOf(r)
  local space = string.find(r, ' ', 1, true)
  if space then return string.sub(r, 1, space - 1) end
  return r
end
local function targetsOf(p, id)
  local listed = redis.call('SMEMBERS', p .. ':dl:' .. id)
  if #listed > 0 then return listed end
  if redis.call('EXISTS', p .. ':ev:' .. id) == 1 then return {'default'} end
  return {}
end
local function countKey(p, target, name)
  if target == 'default' then return nil end
  return p .. ':' .. name .. ':' .. target
end`;

// The operators' search entries of one delivery; `seq` as stored (a string).
export const INDEX = `local function lexm(value, seq, r)
  return string.len(value) .. ':' .. value .. ':' .. string.format('%015d', tonumber(seq)) .. '|' .. r
end
local function unindex(p, r, seq, conv, ext)
  if not seq then return end
  redis.call('ZREM', p .. ':ix:seq', r)
  if conv then redis.call('ZREM', p .. ':ix:conv', lexm(conv, seq, r)) end
  if ext then redis.call('ZREM', p .. ':ix:ext', lexm(ext, seq, r)) end
end
local function forget(p, r)
  local h = redis.call('HMGET', p .. ':ev:' .. r, 'seq', 'conversationId', 'externalId', 'target')
  unindex(p, r, h[1], h[2], h[3])
  redis.call('DEL', p .. ':ev:' .. r, p .. ':att:' .. r)
  local dl = p .. ':dl:' .. idOf(r)
  redis.call('SREM', dl, targetOf(h[4]))
end`;

// A record's newest delivered event time, kept for `ttl` ms after that time or after `now`, the later.
export const KEEP_RECORD = `local function keepRecord(last, now, ttl)
  local time = tonumber(redis.call('GET', last) or '0')
  redis.call('PEXPIREAT', last, string.format('%.0f', math.max(now, time) + tonumber(ttl)))
end`;

/** Adds the delivery of one target to the event's hashes, search entries and record; its seq. */
export const STORE_DELIVERY = `local function storeDelivery(p, id, target, fields, eventTime, receivedAt, conv, ext, objectType)
  local r = ref(id, target)
  local ev = p .. ':ev:' .. r
  local seq = redis.call('INCR', p .. ':seq')
  local member = string.format('%015d', seq) .. '|' .. r
  redis.call('HSET', ev, 'seq', seq, 'member', member, unpack(fields))
  if target ~= 'default' then
    redis.call('HSET', ev, 'target', target)
    redis.call('SADD', p .. ':targets', target)
  end
  redis.call('ZADD', p .. ':ix:seq', seq, r)
  redis.call('ZADD', p .. ':ix:conv', 0, lexm(conv, seq, r))
  redis.call('ZADD', p .. ':ix:ext', 0, lexm(ext, seq, r))
  return r, seq, member
end
local function queueDelivery(p, r, target, member, eventTime, receivedAt, objectType, recordKey)
  local t = trk(target, objectType, recordKey)
  redis.call('ZADD', p .. ':rec:' .. t, eventTime, member)
  redis.call('PERSIST', p .. ':last:' .. t)
  redis.call('SADD', p .. ':queued', r)
  redis.call('ZADD', p .. ':queued:at', receivedAt, r)
  local tq = countKey(p, target, 'tq')
  if tq then redis.call('SADD', tq, r) end
end
local function listTarget(p, id, target)
  local dl = p .. ':dl:' .. id
  if target == 'default' and redis.call('EXISTS', dl) == 0 then return end
  if redis.call('EXISTS', dl) == 0 and redis.call('EXISTS', p .. ':ev:' .. id) == 1 then
    redis.call('SADD', dl, 'default')
  end
  redis.call('SADD', dl, target)
end`;

/** The hash fields of a new delivery, from ARGV of ENQUEUE and IMPORT_EVENT (see deliveryArguments). */
export const NEW_FIELDS = `local function newFields(i)
  local fields = {'payload', ARGV[i + 4], 'intent', ARGV[10], 'objectType', ARGV[i + 1],
    'externalId', ARGV[i + 2], 'recordKey', ARGV[i + 3], 'eventTime', ARGV[4], 'receivedAt', ARGV[5],
    'requestId', ARGV[6], 'conversationId', ARGV[7]}
  if ARGV[9] ~= 'default' then
    table.insert(fields, 'source')
    table.insert(fields, ARGV[9])
  end
  return fields
end`;
