--[[
  Ends many tasks in one atomic step: for each, stores its final state as Celery's result
  backend does, publishes it, acknowledges its message, and updates its Celeriac record and
  attempts. The worker gathers the tasks that end in the same moment into one call:
  per-task round trips and script calls were what limited throughput.

  Input:
    KEYS[1]    unacked
    KEYS[2]    unacked_index
    KEYS[3]    celeriac:records           HASH id -> record JSON
    KEYS[4]    celeriac:records:index     ZSET id by first-seen time
    KEYS[5..]  per task, two keys: celery-task-meta-<id>, celeriac:attempts:<id>
    ARGV[1]    result expiry in seconds; 0 keeps results forever
    ARGV[2]    now, unix ms
    ARGV[3]    the records' change channel (celeriac:records:changed)
    ARGV[4..]  per task, six values: delivery_tag, task id, meta JSON ('' stores no result:
               ignore_result), record JSON ('' = no record), attempt JSON ('' = none), the
               record's announcement (id, state, group)

  Output:
    one number per task: ScriptResult.Done (1) if its claim was there, ScriptResult.NotDone (0)
    if it was already gone

  Events:
    PUBLISH celery-task-meta-<id> <meta> for each meta stored
    PUBLISH ARGV[3] <announcements joined by ','> once, for the records written (the control room's feed)
]]
local ttl = tonumber(ARGV[1])
local out = {}
local changed = {}
local n = (#KEYS - 4) / 2
for t = 0, n - 1 do
  local metaKey = KEYS[5 + t * 2]
  local attemptsKey = KEYS[6 + t * 2]
  local a = 4 + t * 6
  local tag, id, meta, record, attempt = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
  if meta ~= '' then
    local current = redis.call('GET', metaKey)
    local keep = false
    if current then
      -- Celery never overwrites a SUCCESS.
      local ok, stored = pcall(cjson.decode, current)
      -- result_serializer = msgpack stores msgpack.
      if not ok then ok, stored = pcall(cmsgpack.unpack, current) end
      keep = ok and type(stored) == 'table' and stored['status'] == 'SUCCESS'
    end
    if not keep then
      if ttl and ttl > 0 then
        redis.call('SET', metaKey, meta, 'EX', ttl)
      else
        redis.call('SET', metaKey, meta)
      end
      redis.call('PUBLISH', metaKey, meta)
    end
  end
  if record ~= '' then
    changed[#changed + 1] = ARGV[a + 5]
    -- A new record (no producer wrote one) also enters the index.
    if redis.call('HSET', KEYS[3], id, record) == 1 then
      redis.call('ZADD', KEYS[4], 'NX', ARGV[2], id)
    end
  end
  if attempt ~= '' then
    redis.call('RPUSH', attemptsKey, attempt)
    if ttl and ttl > 0 then redis.call('EXPIRE', attemptsKey, ttl) end
  end
  redis.call('ZREM', KEYS[2], tag)
  out[#out + 1] = redis.call('HDEL', KEYS[1], tag)
end
if #changed > 0 then
  redis.call('PUBLISH', ARGV[3], table.concat(changed, ','))
end
return out
