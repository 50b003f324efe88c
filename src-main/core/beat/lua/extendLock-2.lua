--[[
  Extends the beat's leader lock, if this beat still holds it (compare-and-PEXPIRE, as
  redbeat's LUA_EXTEND_TO_SCRIPT), with the note saying who leads.

  Input:
    KEYS[1]  redbeat::lock
    KEYS[2]  celeriac:beat:leader
    ARGV[1]  this beat's token
    ARGV[2]  the lock's timeout, ms

  Output:
    ScriptResult.Done (1)     extended
    ScriptResult.NotDone (0)  another holds the lock (or none does)
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
