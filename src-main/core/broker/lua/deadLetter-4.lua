--[[
  Moves a claimed message that cannot be run (undecodable, unknown task, pickle...) from the
  ack emulation to the dead-letter list, with the reason, atomically: it is never lost, and
  never handed to another worker to fail again.

  Input:
    KEYS[1]  unacked
    KEYS[2]  unacked_index
    KEYS[3]  celeriac:dead
    KEYS[4]  celeriac:dead:dropped  how many dead letters the cap has pushed out, ever
    ARGV[1]  delivery_tag
    ARGV[2]  the dead-letter entry (JSON: reason, detail, raw, queue, time, worker)
    ARGV[3]  how many dead letters to keep at most

  Output:
    ScriptResult.Done (1)             the claim was there and was moved
    ScriptResult.DeadLettersFull (2)  moved, and the list was full: its oldest entry was
                                      dropped and counted
    ScriptResult.NotDone (0)          the claim was already gone
]]
-- @include pushDeadLetter

if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('ZREM', KEYS[2], ARGV[1])
if pushDeadLetter(KEYS[3], KEYS[4], ARGV[2], tonumber(ARGV[3])) then
  return 2
end
return 1
