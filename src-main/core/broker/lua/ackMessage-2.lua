--[[
  Acknowledges a claimed message as kombu does: it leaves `unacked` and `unacked_index`.

  Input:
    KEYS[1]  unacked
    KEYS[2]  unacked_index
    ARGV[1]  delivery_tag

  Output:
    ScriptResult.Done (1)     the claim was there
    ScriptResult.NotDone (0)  it was already gone (restored by a sweep, or acked)
]]
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])
