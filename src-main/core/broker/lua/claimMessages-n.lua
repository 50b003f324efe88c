--[[
  Claims up to ARGV[2] messages from queue lists, in the order given, into kombu's ack
  emulation (`unacked` + `unacked_index`) in one atomic step: no message is ever only in a
  worker's memory (kombu's BRPOP-then-HSET has that window). The entries are exactly kombu's,
  so Python workers restore ours and we restore theirs.

  Input:
    KEYS[1]   unacked            HASH  delivery_tag -> [envelope, exchange, routing_key]
    KEYS[2]   unacked_index      ZSET  delivery_tag scored by claim time
    KEYS[3]   celeriac:dead      LIST  dead letters (newest first)
    KEYS[4]   celeriac:dead:dropped  how many dead letters the cap has pushed out, ever
    KEYS[5..] the queue lists, in consumption order (priority step, then queue)
    ARGV[1]   now, unix seconds (float), the claim time
    ARGV[2]   how many messages to claim at most
    ARGV[3]   how many dead letters to keep at most

  Output:
    a flat array of triples: delivery_tag, raw message, list it came from. A message that is
    not a JSON object with properties.delivery_tag and delivery_info cannot be tracked in
    `unacked`: it is moved to the dead-letter list with the reason, and returned with an empty
    delivery_tag so the worker can log it.
]]
-- @include pushDeadLetter

local now = ARGV[1]
local max = tonumber(ARGV[2])
local out = {}
local claimed = 0

local function dead(raw, list, reason)
  local entry = cjson.encode({reason = reason, detail = 'claimed without a delivery tag: ' .. reason, raw = raw, queue = list, time = tonumber(now)})
  pushDeadLetter(KEYS[3], KEYS[4], entry, tonumber(ARGV[3]))
end

-- kombu and Celeriac both write delivery_tag as the last key of properties, the last key of
-- the envelope: read it, and delivery_info, with patterns. cjson.decode of every message cost
-- two thirds of the script's time. Anything of another shape takes the slow, exact road.
local function fastParse(raw)
  -- Only the tail: an end-anchored match over the whole message tries every start position.
  local tail = string.sub(raw, -400)
  local tag = string.match(tail, '"delivery_tag":%s*"([^"\\]+)"%s*}%s*}%s*$')
  if not tag then return nil end
  local at = string.find(tail, '"delivery_info":', 1, true)
  if not at then return nil end
  local exchange, rk = string.match(tail, '^"delivery_info":%s*{%s*"exchange":%s*"([^"\\]*)",%s*"routing_key":%s*"([^"\\]*)"', at)
  if not exchange then return nil end
  return tag, exchange, rk
end

-- Returns tag, exchange, routing_key; or false and the reason the message cannot be tracked.
local function slowParse(raw)
  local ok, env = pcall(cjson.decode, raw)
  if not ok then return false, 'not_json' end
  local props = type(env) == 'table' and env['properties']
  local tag = type(props) == 'table' and props['delivery_tag']
  local info = type(props) == 'table' and props['delivery_info']
  if type(tag) ~= 'string' or tag == '' or type(info) ~= 'table' then return false, 'not_an_envelope' end
  local exchange = info['exchange']
  local rk = info['routing_key']
  if type(exchange) ~= 'string' then exchange = '' end
  if type(rk) ~= 'string' then rk = '' end
  return tag, exchange, rk
end

for i = 5, #KEYS do
  while claimed < max do
    local raw = redis.call('RPOP', KEYS[i])
    if not raw then break end
    claimed = claimed + 1
    local tag, exchange, rk = fastParse(raw)
    if not tag then
      tag, exchange, rk = slowParse(raw)
    end
    if tag == false then
      dead(raw, KEYS[i], exchange)
      out[#out + 1] = ''
    elseif redis.call('HSETNX', KEYS[1], tag, '[' .. raw .. ', ' .. cjson.encode(exchange) .. ', ' .. cjson.encode(rk) .. ']') == 0 then
      -- Two messages with one delivery tag: tracking the second would overwrite the first.
      dead(raw, KEYS[i], 'duplicate_delivery_tag')
      out[#out + 1] = ''
    else
      redis.call('ZADD', KEYS[2], now, tag)
      out[#out + 1] = tag
    end
    out[#out + 1] = raw
    out[#out + 1] = KEYS[i]
  end
end
return out
