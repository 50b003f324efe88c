--[[
  Stores a task's state as Celery's Redis backend does, and announces it on the key's channel.
  Celery does GET, then MULTI/SETEX/PUBLISH; doing it in one script closes the window in which
  a late write could overwrite a SUCCESS.

  Input:
    KEYS[1]  celery-task-meta-<id>   the result key, which is also its pub/sub channel
    ARGV[1]  the meta JSON (status, result, traceback, children, date_done, ..., task_id)
    ARGV[2]  expiry in seconds; 0 keeps it forever (result_expires = None)

  Output:
    ScriptResult.Done (1)     stored and published
    ScriptResult.NotDone (0)  not stored: the key already holds SUCCESS, which Celery never overwrites

  Events:
    PUBLISH KEYS[1] ARGV[1]  (what AsyncResult.get() in Python and Celeriac waits on)
]]
local current = redis.call('GET', KEYS[1])
if current then
  local ok, meta = pcall(cjson.decode, current)
  -- result_serializer = msgpack stores msgpack (a yaml result is not read here: it is overwritten).
  if not ok then ok, meta = pcall(cmsgpack.unpack, current) end
  if ok and type(meta) == 'table' and meta['status'] == 'SUCCESS' then
    return 0
  end
end
local ttl = tonumber(ARGV[2])
if ttl and ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
else
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('PUBLISH', KEYS[1], ARGV[1])
return 1
