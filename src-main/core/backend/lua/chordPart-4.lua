--[[
  One chord header member done, as Celery 5.2's RedisBackend.on_chord_part_return writes it
  (Celery's backends/redis.py; Python does this in one MULTI/EXEC, so both interleave safely): the member
  joins the sorted set by its group_index, and the count, the added-later count and the size
  come back to decide whether the body is due.

  The worker counts a member before it acks the member's message, so a worker killed in
  between must not leave the chord one short: the message comes back and the member is counted
  again. Celery's `.j` is keyed by the whole member (position, id, state, result), so a rerun
  that returns another value, or fails where the first run succeeded, would be a second member
  and the count would pass the size for ever. Members are therefore counted once per task id
  (KEYS[4]); a rerun of a counted member adds nothing and still gets the count back, so the
  last member's rerun sends a body its killed first run did not (the send is once per id).

  Input:
    KEYS[1]  celery-taskset-meta-<gid>.j   the members (score: group_index, or +inf)
    KEYS[2]  celery-taskset-meta-<gid>.t   members added to a running chord (usually absent)
    KEYS[3]  celery-taskset-meta-<gid>.s   the chord's size, written by whoever sent it
    KEYS[4]  celeriac:chord:<gid>:counted  SET of the task ids counted (Celeriac's own)
    ARGV[1]  the score: the member's group_index, or '+inf'
    ARGV[2]  the member: JSON [1, task_id, state, encoded result]
    ARGV[3]  seconds the keys are kept (result_expires; 0: not set)
    ARGV[4]  the member's task id

  Output:
    { members now, .t or false, .s or false, 1 if counted now or 0 if counted before }
]]
-- The member first: a script stopped by an error keeps what it wrote, and an id marked
-- counted without its member would leave the chord short.
local fresh = 0
if redis.call('SISMEMBER', KEYS[4], ARGV[4]) == 0 then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
  redis.call('SADD', KEYS[4], ARGV[4])
  fresh = 1
end
local count = redis.call('ZCOUNT', KEYS[1], '-inf', '+inf')
local added = redis.call('GET', KEYS[2])
local size = redis.call('GET', KEYS[3])
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
  redis.call('EXPIRE', KEYS[3], ttl)
  redis.call('EXPIRE', KEYS[4], ttl)
end
return { count, added, size, fresh }
