--[[
  Ends a task in one atomic step: stores its final state as Celery's result backend does,
  publishes it, and acknowledges the message. Pipelined, this is the only round trip a
  finished task costs.

  Input:
    KEYS[1]  unacked
    KEYS[2]  unacked_index
    KEYS[3]  celery-task-meta-<id>   result key and channel
    ARGV[1]  delivery_tag
    ARGV[2]  the meta JSON; empty to store nothing (ignore_result)
    ARGV[3]  result expiry in seconds; 0 keeps it forever

  Output:
    1 if the claim was there, 0 if it was already gone

  Events:
    PUBLISH KEYS[3] ARGV[2] when a meta is stored
]]
if ARGV[2] ~= '' then
  local current = redis.call('GET', KEYS[3])
  local keep = false
  if current then
    local ok, meta = pcall(cjson.decode, current)
    keep = ok and type(meta) == 'table' and meta['status'] == 'SUCCESS'
  end
  if not keep then
    local ttl = tonumber(ARGV[3])
    if ttl and ttl > 0 then
      redis.call('SET', KEYS[3], ARGV[2], 'EX', ttl)
    else
      redis.call('SET', KEYS[3], ARGV[2])
    end
    redis.call('PUBLISH', KEYS[3], ARGV[2])
  end
end
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])
