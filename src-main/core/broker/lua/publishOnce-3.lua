--[[
  Publishes a message a canvas step sends (a chain's next step, a callback, a chord's body,
  errbacks) at most once per task id: a redelivered message that runs again must not send its
  follow-ups twice. The guard and the LPUSH are one step, so a crash leaves neither or both.

  Input:
    KEYS[1]  celeriac:canvas:sent:<task id>   the guard
    KEYS[2]  _kombu.binding.<queue>
    KEYS[3]  the priority list (`<queue>` or `<queue>\x06\x16<step>`)
    ARGV[1]  the message
    ARGV[2]  the binding member ('' when the queue is known to be bound)
    ARGV[3]  seconds the guard is kept

  Output:
    ScriptResult.Done (1)     published
    ScriptResult.NotDone (0)  a message of that task id was published before
]]
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[3]) then
  return 0
end
if ARGV[2] ~= '' then
  redis.call('SADD', KEYS[2], ARGV[2])
end
redis.call('LPUSH', KEYS[3], ARGV[1])
return 1
