--[[
  Moves one scheduled (ETA) message to the front of its queue now ("run now" in the control
  room), its ETA taken off (else the worker taking it would schedule it again): the first
  worker free runs it. Only if it is still the entry the caller read.

  Input:
    KEYS[1]  celeriac:schedule        ZSET
    KEYS[2]  celeriac:schedule:msgs   HASH
    ARGV[1]  the message's delivery tag
    ARGV[2]  the entry as the caller read it (JSON [list, message])
    ARGV[3]  the message to push (the same, without its eta)

  Output:
    ScriptResult.Done (1)     moved
    ScriptResult.NotDone (0)  no longer scheduled as read (it ran, or another moved it)
]]
local entry = redis.call('HGET', KEYS[2], ARGV[1])
if entry ~= ARGV[2] or redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('RPUSH', cjson.decode(entry)[1], ARGV[3])
return 1
