--[[
  Releases the beat's leader lock if this beat holds it (compare-and-DEL).

  Input:
    KEYS[1]  redbeat::lock
    KEYS[2]  celeriac:beat:leader
    ARGV[1]  this beat's token

  Output:
    ScriptResult.Done (1)     released
    ScriptResult.NotDone (0)  it was not this beat's
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
