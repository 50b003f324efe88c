--[[
  Takes one dead letter off the dead-letter list and puts its message back at the back of a
  queue (LPUSH), if the entry at that index is still the one the caller read (compare-and-set:
  the list moves as new dead letters arrive).

  Input:
    KEYS[1]  celeriac:dead
    KEYS[2]  the queue list to push onto
    ARGV[1]  index of the entry (0 = newest)
    ARGV[2]  the entry as the caller read it
    ARGV[3]  the message to push back (the entry's raw message)

  Output:
    ScriptResult.Done (1)     requeued
    ScriptResult.NotDone (0)  the entry moved or is gone
]]
if redis.call('LINDEX', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 0
end
redis.call('LREM', KEYS[1], 1, ARGV[2])
redis.call('LPUSH', KEYS[2], ARGV[3])
return 1
