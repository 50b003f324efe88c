--[[
  Moves a claimed message whose eta is in the future out of the ack emulation into Celeriac's
  schedule, atomically. It then waits in Redis, not in a worker's memory, and the visibility
  sweep cannot restore it early (celery#2599: an eta beyond the visibility timeout ran twice).

  Input:
    KEYS[1]  unacked
    KEYS[2]  unacked_index
    KEYS[3]  celeriac:schedule        ZSET  delivery_tag scored by eta (unix ms)
    KEYS[4]  celeriac:schedule:msgs   HASH  delivery_tag -> JSON [list key, raw message]
    ARGV[1]  delivery_tag
    ARGV[2]  eta, unix milliseconds
    ARGV[3]  JSON [list key to return to, raw message]

  Output:
    ScriptResult.Done (1)     scheduled
    ScriptResult.NotDone (0)  the claim was already gone
]]
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
return 1
