--[[
  Pushes one entry onto the dead-letter list, newest first, keeping the list within its cap: past
  the cap the oldest entries are dropped and counted, so the control room can say how many
  dead letters it never saw.

  Input:
    deadKey     celeriac:dead          LIST  dead letters (newest first)
    droppedKey  celeriac:dead:dropped  how many dead letters the cap has pushed out, ever
    entry       the dead-letter entry (JSON: reason, detail, raw, queue, time[, worker])
    cap         how many dead letters to keep at most

  Output:
    true when the list was full and its oldest entry was dropped, false otherwise
]]
local function pushDeadLetter(deadKey, droppedKey, entry, cap)
  if redis.call('LPUSH', deadKey, entry) > cap then
    redis.call('LTRIM', deadKey, 0, cap - 1)
    redis.call('INCR', droppedKey)
    return true
  end
  return false
end
