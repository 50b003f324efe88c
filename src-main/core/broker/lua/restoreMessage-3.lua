--[[
  Gives one claimed message back to its queue, if the claim is still exactly as the caller
  read it (compare-and-set: a claim acked or restored meanwhile is left alone). The caller
  marks the envelope redelivered, as kombu does, and gives it a new delivery_tag (so a late
  ack of the old claim finds nothing).

  Input:
    KEYS[1]  unacked
    KEYS[2]  unacked_index
    KEYS[3]  the list to push onto
    ARGV[1]  delivery_tag
    ARGV[2]  the unacked entry as the caller read it
    ARGV[3]  the envelope to push back
    ARGV[4]  'front' (RPUSH: next to be consumed, kombu's restore) or 'back' (LPUSH: a requeue)

  Output:
    ScriptResult.Done (1)     restored
    ScriptResult.NotDone (0)  the claim changed or was gone
]]
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 0
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[4] == 'back' then
  redis.call('LPUSH', KEYS[3], ARGV[3])
else
  redis.call('RPUSH', KEYS[3], ARGV[3])
end
return 1
