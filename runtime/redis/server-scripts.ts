// Lua scripts the server adapter registers with ioredis's defineCommand (sent by SHA, loaded once
// per connection). Each runs atomically inside Redis, which is what makes them race-free across
// every edge sharing the server.

/**
 * GCRA, step for step the same as decideGcra() in gcra.ts. Time comes from Redis's own clock so
 * every edge shares one timeline regardless of its local clock. Whole microseconds stay exact in
 * Lua's doubles (now is ~1.7e15 < 2^53); '%.0f' writes them without exponent notation.
 * KEYS[1] = limit key; ARGV = emissionUs, toleranceUs, costUs.
 * Returns {allowed 0|1, retryAfterMs, remaining}.
 */
const GCRA_LUA = `
local emission = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local newTat = tat + cost
if newTat - now > tolerance then
  local remaining = math.floor((tolerance - (tat - now)) / emission)
  if remaining < 0 then remaining = 0 end
  return {0, math.ceil((newTat - tolerance - now) / 1000), remaining}
end
if cost > 0 then
  local ttl = math.ceil((newTat - now) / 1000)
  if ttl < 1 then ttl = 1 end
  redis.call('SET', KEYS[1], string.format('%.0f', newTat), 'PX', ttl)
end
return {1, 0, math.floor((tolerance - (newTat - now)) / emission)}
`;

/** HGETALL then DEL in one step, so increments landing in between are never lost. Returns a flat field/value list. */
const HGETALL_DEL_LUA = `
local fields = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return fields
`;

/** INCRBY, then PEXPIRE only if the key has no expiry yet: the first increment opens the window. */
const INCRBY_TTL_LUA = `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value
`;

export const SCRIPTS = {
  clickstreamGcra: { numberOfKeys: 1, lua: GCRA_LUA },
  clickstreamHgetallDel: { numberOfKeys: 1, lua: HGETALL_DEL_LUA },
  clickstreamIncrByTtl: { numberOfKeys: 1, lua: INCRBY_TTL_LUA },
} as const;

/** The commands defineCommand adds to a client, typed (ioredis cannot infer them). */
export interface ScriptCommands {
  clickstreamGcra(
    key: string,
    emissionUs: number,
    toleranceUs: number,
    costUs: number,
  ): Promise<[number, number, number]>;
  clickstreamHgetallDel(key: string): Promise<string[]>;
  clickstreamIncrByTtl(key: string, by: number, ttlMs: number): Promise<number>;
}
