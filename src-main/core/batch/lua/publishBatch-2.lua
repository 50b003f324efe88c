-- Makes a batch visible: its description and its place in the index, together, so the control
-- room never lists a batch without a description. The items list is written before this.
-- KEYS[1] the batch's description key (celeriac:batch:<id>)
-- KEYS[2] the batch index (celeriac:batches, a sorted set)
-- ARGV[1] batch id   ARGV[2] description JSON   ARGV[3] created, unix ms   ARGV[4] seconds to keep it
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[4]))
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), ARGV[1])
-- Entries older than the keep time have lost their description: drop them from the index.
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[4]) * 1000)
return 1
