-- Shared by bench/login-refresh-login.lua and bench/login-refresh-refresh.lua (loaded with dofile):
-- per-thread status counters, thread ids, and the WRK summary line that bench/login-refresh.sh parses:
--   WRK requests=N duration_s=S rps=R p50_ms=A p90_ms=B p99_ms=C max_ms=D non2xx=E socket_errors=F
--   STATUS 200=n 401=n 429=n ...      (every status seen, summed over wrk's threads)

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- thread-local (each wrk thread has its own Lua state)
statuses = {}

function count_status(status)
  local k = "s" .. status
  statuses[k] = (statuses[k] or 0) + 1
end

-- lines of a file, in order
function read_lines(path)
  local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  local t = {}
  for line in f:lines() do
    if line ~= "" then t[#t + 1] = line end
  end
  f:close()
  return t
end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "WRK requests=%d duration_s=%.3f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d socket_errors=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout))
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then
      for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
    end
  end
  local keys = {}
  for k in pairs(total) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = string.format("%s=%d", k:sub(2), total[k]) end
  io.write("STATUS " .. table.concat(parts, " ") .. "\n")
end
