--[[
  Acknowledges a claimed message as kombu does: it leaves `unacked` and `unacked_index`.

  Input:
    KEYS[1]  unacked
    KEYS[2]  unacked_index
    ARGV[1]  delivery_tag

  Output:
    1 if the claim was there, 0 if it was already gone (restored by a sweep, or acked)
]]
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])
