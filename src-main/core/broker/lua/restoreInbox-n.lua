--[[
  Hands back what a worker's inboxes hold to the queues they were filled from, at the front
  (next to be consumed), and forgets the inbox. A waiting worker's BLMOVE moves the message it
  wakes for into its inbox, and its claim script takes it from there an instant later: only a
  worker that died in that instant leaves anything behind. Run by the worker itself when it
  stops, and by any worker for an inbox whose owner stopped refreshing it.

  Input:
    KEYS[1]          celeriac:inboxes   HASH  inbox id -> JSON {seen: unix ms, lists: [...]}
    KEYS[2k], [2k+1] an inbox list, and the queue list its messages came from (k >= 1)
    ARGV[1]          the inbox id
    ARGV[2]          hand back only if the inbox was last refreshed before this (unix ms);
                     '' to hand back whatever (its owner stopping)

  Output:
    how many messages were handed back, or ScriptResult.InboxStillOwned (-1) if the inbox was
    refreshed meanwhile (its owner lives: nothing is touched)
]]
if ARGV[2] ~= '' then
  local entry = redis.call('HGET', KEYS[1], ARGV[1])
  if entry then
    local ok, info = pcall(cjson.decode, entry)
    local seen = ok and type(info) == 'table' and tonumber(info['seen'])
    if seen and seen >= tonumber(ARGV[2]) then return -1 end
  end
end
local moved = 0
for i = 2, #KEYS - 1, 2 do
  -- The inbox holds the newest first: pushing each to the consuming end leaves the oldest next.
  while true do
    local raw = redis.call('LPOP', KEYS[i])
    if not raw then break end
    redis.call('RPUSH', KEYS[i + 1], raw)
    moved = moved + 1
  end
end
redis.call('HDEL', KEYS[1], ARGV[1])
return moved
