-- A read-only look at one apalis-redis 1.0 queue, in one round trip. It writes nothing.
-- The key layout is apalis-redis's (src/config.rs and lua/*.lua of apalis-redis 1.0.0).
--
-- KEYS[1]: the pending list ({q}:active)          KEYS[2]: the scheduled zset ({q}:scheduled)
-- KEYS[3]: the workers zset ({q}:workers)          KEYS[4]: the done set ({q}:done)
-- KEYS[5]: the dead set ({q}:dead)                 KEYS[6]: the metadata prefix ({q}:meta)
-- KEYS[7]: the in-flight prefix ({q}:inflight)
-- ARGV[1]: now (unix seconds)
-- ARGV[2]: the oldest done_at (unix seconds) counted as "done recently"
-- ARGV[3]: how many pending ids to return, from the head of each place pending jobs wait
--
-- Returns {pending, scheduled, dead, done_kept, done_recently, {pending ids}, {name, heartbeat, in_flight, ...}}.
local now = tonumber(ARGV[1])
local done_since = tonumber(ARGV[2])
local sample = tonumber(ARGV[3])

-- apalis-redis 1.0 pushes every job into the scheduled set, due at its push time (push_tasks
-- never passes 0), and a worker moves the due ones to the list when it fetches. So a job waits
-- in the list, or in the set with a score up to now; later scores are retries not yet due.
local due = redis.call("ZCOUNT", KEYS[2], "-inf", now)
local pending = redis.call("LLEN", KEYS[1]) + due
local scheduled = redis.call("ZCARD", KEYS[2]) - due
local dead = redis.call("SCARD", KEYS[5])

-- A finished job keeps its done_at in its metadata until it is vacuumed (an hour later in
-- dis-sync); the done set alone does not say when.
local done = redis.call("SMEMBERS", KEYS[4])
local done_recently = 0
for _, id in ipairs(done) do
    local done_at = tonumber(redis.call("HGET", KEYS[6] .. ":" .. id, "done_at"))
    if done_at and done_at >= done_since then
        done_recently = done_recently + 1
    end
end

local head = redis.call("LRANGE", KEYS[1], 0, sample - 1)
for _, id in ipairs(redis.call("ZRANGEBYSCORE", KEYS[2], "-inf", now, "LIMIT", 0, sample)) do
    table.insert(head, id)
end

local workers = {}
local beats = redis.call("ZRANGE", KEYS[3], 0, -1, "WITHSCORES")
for i = 1, #beats, 2 do
    local name = beats[i]
    table.insert(workers, name)
    table.insert(workers, beats[i + 1])
    table.insert(workers, tostring(redis.call("SCARD", KEYS[7] .. ":" .. name)))
end

return {pending, scheduled, dead, #done, done_recently, head, workers}
