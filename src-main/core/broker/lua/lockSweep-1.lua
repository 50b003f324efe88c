--[[
  Takes kombu's `unacked_mutex` for a visibility sweep, or says it is held (by a Python worker
  or another of ours), in which case the sweep is skipped as kombu skips it.

  Input:
    KEYS[1]  unacked_mutex
    ARGV[1]  a random token
    ARGV[2]  lock lifetime in milliseconds (kombu: 300000)

  Output:
    ScriptResult.Done (1)     taken
    ScriptResult.NotDone (0)  held by someone else
]]
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
