--[[
  Keeps Celeriac's task records bounded: drops those first seen before the result expiry, then
  the oldest beyond the cap. (Attempt lists expire on their own.)

  Input:
    KEYS[1]  celeriac:records          HASH
    KEYS[2]  celeriac:records:index    ZSET
    ARGV[1]  drop records first seen before this time (unix ms); 0 keeps them
    ARGV[2]  the cap: most records kept
    ARGV[3]  most records dropped in one call (keeps the script short)

  Output:
    how many records were dropped
]]
local limit = tonumber(ARGV[3])
local dropped = 0
local function drop(ids)
  for _, id in ipairs(ids) do
    redis.call('HDEL', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
    dropped = dropped + 1
  end
end
if tonumber(ARGV[1]) > 0 then
  drop(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1], 'LIMIT', 0, limit))
end
local count = math.min(redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[2]), limit - dropped)
if count > 0 then
  drop(redis.call('ZRANGE', KEYS[2], 0, count - 1))
end
return dropped
