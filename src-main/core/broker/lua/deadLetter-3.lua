--[[
  Moves a claimed message that cannot be run (undecodable, unknown task, pickle...) from the
  ack emulation to the dead-letter list, with the reason, atomically: it is never lost, and
  never handed to another worker to fail again.

  Input:
    KEYS[1]  unacked
    KEYS[2]  unacked_index
    KEYS[3]  celeriac:dead
    ARGV[1]  delivery_tag
    ARGV[2]  the dead-letter entry (JSON: reason, detail, raw, queue, time, worker)
    ARGV[3]  how many dead letters to keep at most

  Output:
    1 if the claim was there and was moved, 0 if it was already gone
]]
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('LPUSH', KEYS[3], ARGV[2])
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[3]) - 1)
return 1
