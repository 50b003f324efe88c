--[[
  publishOnce for a message routed through an exchange: at most once per task id, onto every
  queue list the exchange's bindings gave. The guard and the pushes are one step.

  Input:
    KEYS[1]     celeriac:canvas:sent:<task id>   the guard
    KEYS[2..]   the priority list of each queue bound with the message's routing key
    ARGV[1]     the message
    ARGV[2]     seconds the guard is kept

  Output:
    ScriptResult.Done (1)     published
    ScriptResult.NotDone (0)  a message of that task id was published before
]]
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then
  return 0
end
for i = 2, #KEYS do
  redis.call('LPUSH', KEYS[i], ARGV[1])
end
return 1
