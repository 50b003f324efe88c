--[[
  Sends one due run of a periodic entry, exactly once: only the lock's holder sends, only if the
  entry is still due where this beat saw it (another beat, or an edit, may have moved it), and
  moving the entry to its next due time, writing its meta and pushing the message are one step.
  A crash leaves all or none of it; a second beat finds the entry moved and sends nothing.

  Input:
    KEYS[1]  redbeat::lock
    KEYS[2]  redbeat::schedule
    KEYS[3]  redbeat:<name>             the entry's hash
    KEYS[4]  _kombu.binding.<queue>
    KEYS[5]  the priority list (`<queue>` or `<queue>\x06\x16<step>`)
    ARGV[1]  this beat's token
    ARGV[2]  the entry's member in the schedule (redbeat:<name>)
    ARGV[3]  the score this beat saw (its due time)
    ARGV[4]  the next score (-1: never again)
    ARGV[5]  the new meta JSON (last_run_at, total_run_count)
    ARGV[6]  the message
    ARGV[7]  the binding member
    ARGV[8]  the task id sent (kept as celeriac_last)

  Output:
    ScriptResult.Done (1)          sent
    ScriptResult.NotDone (0)       not due any more (moved, edited or deleted)
    ScriptResult.LockNotHeld (-1)  this beat does not hold the lock
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
local score = redis.call('ZSCORE', KEYS[2], ARGV[2])
if not score or tonumber(score) ~= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
redis.call('HSET', KEYS[3], 'meta', ARGV[5], 'celeriac_last', ARGV[8])
redis.call('SADD', KEYS[4], ARGV[7])
redis.call('LPUSH', KEYS[5], ARGV[6])
return 1
