--[[
  Publishes one task message as kombu does, with its Celeriac record, in one round trip: the
  queue's binding, LPUSH onto its priority list, and (optionally) the record, whose value for a
  task that is only sent is the message itself.

  Input:
    KEYS[1]  _kombu.binding.<queue>
    KEYS[2]  the priority list (`<queue>` or `<queue>\x06\x16<step>`)
    KEYS[3]  celeriac:records
    KEYS[4]  celeriac:records:index
    ARGV[1]  the message
    ARGV[2]  the binding member ('' when the queue is known to be bound)
    ARGV[3]  task id ('' to write no record)
    ARGV[4]  now, unix ms
    ARGV[5]  the records' change channel
    ARGV[6]  the record's announcement (id, state, group)

  Output:
    the list's length after the push

  Events:
    PUBLISH ARGV[5] ARGV[6] when a record is written
]]
if ARGV[2] ~= '' then
  redis.call('SADD', KEYS[1], ARGV[2])
end
local length = redis.call('LPUSH', KEYS[2], ARGV[1])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
  redis.call('ZADD', KEYS[4], 'NX', ARGV[4], ARGV[3])
  redis.call('PUBLISH', ARGV[5], ARGV[6])
end
return length
