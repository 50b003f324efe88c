--[[
  Moves one waiting message, if it is still there exactly as the caller read it: LREM of the
  raw value is the compare (a message a worker took, or one changed meanwhile, is not there),
  and only once it is gone is the message pushed where it goes. Moves to another queue, or to
  the consuming end of its own queue ("run now"). LREM's count -1 looks from the consuming
  (right) end, where the messages a reader is shown first wait.

  Input:
    KEYS[1]  the list the message waits on
    KEYS[2]  the list it goes to
    KEYS[3]  the binding set of the queue it goes to (_kombu.binding.<queue>)
    ARGV[1]  the message as the caller read it
    ARGV[2]  the message to push (ARGV[1], or it with its delivery_info rewritten)
    ARGV[3]  'next': RPUSH, taken next; 'last': LPUSH, taken after those waiting
    ARGV[4]  the binding member to add (so tools find the queue), or '' for none

  Output:
    ScriptResult.Done (1)     moved
    ScriptResult.NotDone (0)  no longer there as read: nothing done
    ScriptResult.WrongType (-2)  the list it goes to is not a list, or the binding set not a set:
                              nothing done (checked before the LREM: Redis does not undo it
                              when a later push fails, and the message would be lost)
]]
local function isOrNone(key, kind)
  local t = redis.call('TYPE', key).ok
  return t == kind or t == 'none'
end
if not isOrNone(KEYS[2], 'list') or (ARGV[4] ~= '' and not isOrNone(KEYS[3], 'set')) then
  return -2
end
if redis.call('LREM', KEYS[1], -1, ARGV[1]) == 0 then
  return 0
end
if ARGV[4] ~= '' then
  redis.call('SADD', KEYS[3], ARGV[4])
end
if ARGV[3] == 'next' then
  redis.call('RPUSH', KEYS[2], ARGV[2])
else
  redis.call('LPUSH', KEYS[2], ARGV[2])
end
return 1
