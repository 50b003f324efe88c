--[[
  Moves scheduled messages whose eta has come back to the front of their queue list (RPUSH:
  the consuming end), so the first worker free takes them. Any worker may run it; being one
  script, no message is moved twice.

  Input:
    KEYS[1]  celeriac:schedule        ZSET
    KEYS[2]  celeriac:schedule:msgs   HASH
    ARGV[1]  now, unix milliseconds
    ARGV[2]  how many to move at most

  Output:
    { moved, next } -- how many were moved, and the score of the next one due (or -1)
]]
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, tag in ipairs(due) do
  local entry = redis.call('HGET', KEYS[2], tag)
  redis.call('ZREM', KEYS[1], tag)
  redis.call('HDEL', KEYS[2], tag)
  if entry then
    local item = cjson.decode(entry)
    redis.call('RPUSH', item[1], item[2])
  end
end
local nextDue = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { #due, nextDue[2] or '-1' }
