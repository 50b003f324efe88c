--[[
  Releases `unacked_mutex` if we still hold it (kombu's compare-and-delete).

  Input:
    KEYS[1]  unacked_mutex
    ARGV[1]  the token given to lockSweep

  Output:
    ScriptResult.Done (1)     released
    ScriptResult.NotDone (0)  it was no longer ours
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
