/**
 * Lua scripts of RedisPresenceStore. Each operation is one script, so it is atomic. ARGV[1] is the key
 * prefix; keys are built inside the scripts from it (why: removeConnection and removeNode touch keys that
 * only the stored state names, so they cannot all be declared up front; this store targets one Redis
 * primary, not Redis Cluster).
 *
 * Keys under prefix P (app, channel and socket ids as given):
 *   P s:{app}:{sid}   hash   node, user            P sc:{app}:{sid}  set   channels of a socket
 *   P c:{app}:{ch}    hash   sid -> user id or ''  P m:{app}:{ch}    hash  user id -> socket count
 *   P i:{app}:{ch}    hash   user id -> info JSON  P cz:{app}        zset  occupied channels (score 0: name order)
 *   P u:{app}:{user}  set    signed-in sockets     P n:{app}         int   connections of the app
 *   P ns:{node}       set    "{app}\n{sid}"        P nodes           zset  node -> last heartbeat ms
 */

const LIB = `
local P = ARGV[1]
local function unsubscribe(app, ch, sid)
  local ck = P .. 'c:' .. app .. ':' .. ch
  local uid = redis.call('HGET', ck, sid)
  if not uid then return nil end
  redis.call('HDEL', ck, sid)
  redis.call('SREM', P .. 'sc:' .. app .. ':' .. sid, ch)
  local left = redis.call('HLEN', ck)
  local res = { channel = ch, vacated = left == 0, subscriptionCount = left }
  if uid ~= '' then
    local mk = P .. 'm:' .. app .. ':' .. ch
    if redis.call('HINCRBY', mk, uid, -1) <= 0 then
      redis.call('HDEL', mk, uid)
      redis.call('HDEL', P .. 'i:' .. app .. ':' .. ch, uid)
      res.memberRemoved = uid
    end
  end
  if left == 0 then redis.call('ZREM', P .. 'cz:' .. app, ch) end
  return res
end
local function disconnect(app, sid)
  local sk = P .. 's:' .. app .. ':' .. sid
  local res = { appId = app, socketId = sid, left = {} }
  local node = redis.call('HGET', sk, 'node')
  if not node then return res end
  local user = redis.call('HGET', sk, 'user')
  for _, ch in ipairs(redis.call('SMEMBERS', P .. 'sc:' .. app .. ':' .. sid)) do
    local l = unsubscribe(app, ch, sid)
    if l then table.insert(res.left, l) end
  end
  if user then
    local uk = P .. 'u:' .. app .. ':' .. user
    redis.call('SREM', uk, sid)
    if redis.call('SCARD', uk) == 0 then res.offline = user end
  end
  redis.call('DEL', sk, P .. 'sc:' .. app .. ':' .. sid)
  redis.call('SREM', P .. 'ns:' .. node, app .. '\\n' .. sid)
  if redis.call('DECR', P .. 'n:' .. app) <= 0 then redis.call('DEL', P .. 'n:' .. app) end
  return res
end
`;

/** CONNECT: ARGV prefix, app, sid, node, max -> 'added' | 'full' | 'taken'. */
export const CONNECT = `
local P, app, sid, node, max = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local sk = P .. 's:' .. app .. ':' .. sid
local existing = redis.call('HGET', sk, 'node')
if existing then
  if existing == node then return 'added' end
  return 'taken'
end
local n = tonumber(redis.call('GET', P .. 'n:' .. app) or '0')
if max > 0 and n >= max then return 'full' end
redis.call('HSET', sk, 'node', node)
redis.call('SADD', P .. 'ns:' .. node, app .. '\\n' .. sid)
redis.call('INCR', P .. 'n:' .. app)
return 'added'
`;

/** DISCONNECT: ARGV prefix, app, sid -> JSON DisconnectResult. */
export const DISCONNECT = LIB + `
return cjson.encode(disconnect(ARGV[2], ARGV[3]))
`;

/** SUBSCRIBE: ARGV prefix, app, channel, sid, user id, info JSON, has member ('1'/'0'), max members -> JSON. */
export const SUBSCRIBE = `
local P, app, ch, sid, uid, info, has_member, max = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7] == '1', tonumber(ARGV[8])
local ck = P .. 'c:' .. app .. ':' .. ch
local mk = P .. 'm:' .. app .. ':' .. ch
local ik = P .. 'i:' .. app .. ':' .. ch
if has_member and redis.call('HEXISTS', mk, uid) == 0 and max > 0 and redis.call('HLEN', mk) >= max then
  return cjson.encode({ ok = false, reason = 'members_limit' })
end
local occupied = redis.call('EXISTS', ck) == 0
local added = false
local value = ''
if has_member then value = uid end
if redis.call('HSETNX', ck, sid, value) == 1 then
  redis.call('SADD', P .. 'sc:' .. app .. ':' .. sid, ch)
  redis.call('ZADD', P .. 'cz:' .. app, 0, ch)
  if has_member and redis.call('HINCRBY', mk, uid, 1) == 1 then
    redis.call('HSET', ik, uid, info)
    added = true
  end
end
local res = { ok = true, occupied = occupied, memberAdded = added, subscriptionCount = redis.call('HLEN', ck) }
if has_member then res.members = redis.call('HGETALL', ik) end
return cjson.encode(res)
`;

/** UNSUBSCRIBE: ARGV prefix, app, channel, sid -> JSON UnsubscribeResult or nil. */
export const UNSUBSCRIBE = LIB + `
local res = unsubscribe(ARGV[2], ARGV[3], ARGV[4])
if res then return cjson.encode(res) end
return false
`;

/** SIGNIN: ARGV prefix, app, sid, user id -> 1 when the user came online, 0 otherwise. */
export const SIGNIN = `
local P, app, sid, user = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local sk = P .. 's:' .. app .. ':' .. sid
if redis.call('EXISTS', sk) == 0 then return 0 end
redis.call('HSET', sk, 'user', user)
local uk = P .. 'u:' .. app .. ':' .. user
local before = redis.call('SCARD', uk)
redis.call('SADD', uk, sid)
if before == 0 then return 1 end
return 0
`;

/** COUNTS: ARGV prefix, app, channel -> {sockets, members}. */
export const COUNTS = `
local P, app, ch = ARGV[1], ARGV[2], ARGV[3]
return { redis.call('HLEN', P .. 'c:' .. app .. ':' .. ch), redis.call('HLEN', P .. 'm:' .. app .. ':' .. ch) }
`;

/**
 * MIGRATE_CHANNELS moves an app's occupied channels out of the set \`cs:{app}\` that versions before the sorted
 * set kept (once, on the first read after an upgrade); a channel vacated since is dropped by COUNTED.
 */
const MIGRATE_CHANNELS = `
local old = P .. 'cs:' .. app
if redis.call('EXISTS', old) == 1 then
  for _, ch in ipairs(redis.call('SMEMBERS', old)) do redis.call('ZADD', P .. 'cz:' .. app, 0, ch) end
  redis.call('DEL', old)
end
`;

/**
 * COUNTED appends {name, sockets, members} of each occupied channel of \`names\` to \`out\`, and drops from the
 * sorted set a channel left with no socket (one moved over from the old set after it was vacated).
 */
const COUNTED = `
local function counted(out, names)
  for _, ch in ipairs(names) do
    local sockets = redis.call('HLEN', P .. 'c:' .. app .. ':' .. ch)
    if sockets > 0 then
      table.insert(out, ch)
      table.insert(out, sockets)
      table.insert(out, redis.call('HLEN', P .. 'm:' .. app .. ':' .. ch))
    else
      redis.call('ZREM', P .. 'cz:' .. app, ch)
    end
  end
  return out
end
`;

/** CHANNELS: ARGV prefix, app -> flat {name, sockets, members, ...}. */
export const CHANNELS = `
local P, app = ARGV[1], ARGV[2]
` + MIGRATE_CHANNELS + COUNTED + `
return counted({}, redis.call('ZRANGE', P .. 'cz:' .. app, 0, -1))
`;

/**
 * CHANNELS_PAGE: ARGV prefix, app, after ('' from the start), limit -> {next, name, sockets, members, ...}: the
 * first \`limit\` channels named after \`after\` (ZRANGEBYLEX: O(log N + limit)), and the last of them when more follow.
 */
export const CHANNELS_PAGE = `
local P, app, after, limit = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
` + MIGRATE_CHANNELS + COUNTED + `
local from = '-'
if after ~= '' then from = '(' .. after end
local names = redis.call('ZRANGEBYLEX', P .. 'cz:' .. app, from, '+', 'LIMIT', 0, limit + 1)
local next = ''
if #names > limit then
  next = names[limit]
  names[limit + 1] = nil
end
return counted({ next }, names)
`;

/** HEARTBEAT: ARGV prefix, node, at ms -> 1 when the node is known (and recorded), 0 otherwise. */
export const HEARTBEAT = `
local P, node, at = ARGV[1], ARGV[2], ARGV[3]
if not redis.call('ZSCORE', P .. 'nodes', node) then return 0 end
redis.call('ZADD', P .. 'nodes', at, node)
return 1
`;

/** REMOVE_NODE_BATCH: ARGV prefix, node, batch size -> JSON {results, done}. */
export const REMOVE_NODE_BATCH = LIB + `
local node, batch = ARGV[2], tonumber(ARGV[3])
local nk = P .. 'ns:' .. node
local results = {}
for _, ref in ipairs(redis.call('SRANDMEMBER', nk, batch)) do
  local cut = string.find(ref, '\\n', 1, true)
  local res = disconnect(string.sub(ref, 1, cut - 1), string.sub(ref, cut + 1))
  redis.call('SREM', nk, ref)
  table.insert(results, res)
end
local done = redis.call('SCARD', nk) == 0
if done then redis.call('ZREM', P .. 'nodes', node) end
return cjson.encode({ results = results, done = done })
`;
