--[[
  Deletes one dead letter, if the entry at that index is still the one the caller read.

  Input:
    KEYS[1]  celeriac:dead
    ARGV[1]  index of the entry (0 = newest)
    ARGV[2]  the entry as the caller read it

  Output:
    ScriptResult.Done (1)     dropped
    ScriptResult.NotDone (0)  the entry moved or is gone
]]
if redis.call('LINDEX', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 0
end
return redis.call('LREM', KEYS[1], 1, ARGV[2])
