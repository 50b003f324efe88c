--[[
  One chord header member done, as Celery 5.2's RedisBackend.on_chord_part_return writes it
  (CANVAS.md §1.6; Python does this in one MULTI/EXEC, so both interleave safely): the member
  joins the sorted set by its group_index, and the count, the added-later count and the size
  come back to decide whether the body is due. A rerun adds the same member: no new count.

  Input:
    KEYS[1]  celery-taskset-meta-<gid>.j   the members (score: group_index, or +inf)
    KEYS[2]  celery-taskset-meta-<gid>.t   members added to a running chord (usually absent)
    KEYS[3]  celery-taskset-meta-<gid>.s   the chord's size, written by whoever sent it
    ARGV[1]  the score: the member's group_index, or '+inf'
    ARGV[2]  the member: JSON [1, task_id, state, encoded result]
    ARGV[3]  seconds the three keys are kept (result_expires; 0: not set)

  Output:
    { members now, .t or false, .s or false }
]]
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local count = redis.call('ZCOUNT', KEYS[1], '-inf', '+inf')
local added = redis.call('GET', KEYS[2])
local size = redis.call('GET', KEYS[3])
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
  redis.call('EXPIRE', KEYS[3], ttl)
end
return { count, added, size }
