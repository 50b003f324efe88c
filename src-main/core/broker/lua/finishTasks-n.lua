--[[
  Ends many tasks in one atomic step: for each, stores its final state as Celery's result
  backend does, publishes it, and acknowledges its message. The worker gathers the tasks that
  end in the same moment into one call: per-task round trips and script calls were what
  limited throughput.

  Input:
    KEYS[1]    unacked
    KEYS[2]    unacked_index
    KEYS[3..]  celery-task-meta-<id> of each task, in the order of ARGV's pairs
    ARGV[1]    result expiry in seconds; 0 keeps results forever
    ARGV[2..]  pairs: delivery_tag, meta JSON ('' stores nothing: ignore_result)

  Output:
    one number per task: 1 if its claim was there, 0 if it was already gone

  Events:
    PUBLISH celery-task-meta-<id> <meta> for each meta stored
]]
local ttl = tonumber(ARGV[1])
local out = {}
for i = 3, #KEYS do
  local tag = ARGV[(i - 3) * 2 + 2]
  local meta = ARGV[(i - 3) * 2 + 3]
  local key = KEYS[i]
  if meta ~= '' then
    local current = redis.call('GET', key)
    local keep = false
    if current then
      -- Celery never overwrites a SUCCESS.
      local ok, stored = pcall(cjson.decode, current)
      keep = ok and type(stored) == 'table' and stored['status'] == 'SUCCESS'
    end
    if not keep then
      if ttl and ttl > 0 then
        redis.call('SET', key, meta, 'EX', ttl)
      else
        redis.call('SET', key, meta)
      end
      redis.call('PUBLISH', key, meta)
    end
  end
  redis.call('ZREM', KEYS[2], tag)
  out[#out + 1] = redis.call('HDEL', KEYS[1], tag)
end
return out
