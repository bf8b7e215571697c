-- wrk script: POST /oauth/introspect (RFC 7662) for one token, caller authenticated with
-- client_secret_basic. Used by bench/introspection.sh.
-- Environment:
--   BENCH_TOKEN           the token to introspect (required)
--   BENCH_CLIENT_ID / BENCH_CLIENT_SECRET   the caller (default: the bench's bootstrap admin, which
--                         holds scope "introspect")
--   BENCH_EXPECT_ACTIVE   "true" or "false": when set, every answer body is checked for
--                         "active":<value> and mismatches are counted (costs wrk CPU; off by default)
-- done() prints one machine-readable line that introspection.sh parses:
--   WRK requests=N duration_s=S rps=R mean_ms=M p50_ms=A p90_ms=B p99_ms=C max_ms=D non2xx=E socket_errors=F wrong_body=G

local function b64(data)
  local chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  return ((data:gsub('.', function(x)
    local r, b = '', x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and '1' or '0') end
    return r
  end) .. '0000'):gsub('%d%d%d?%d?%d?%d?', function(x)
    if #x < 6 then return '' end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == '1' and 2 ^ (6 - i) or 0) end
    return chars:sub(c + 1, c + 1)
  end) .. ({ '', '==', '=' })[#data % 3 + 1])
end

local token = os.getenv("BENCH_TOKEN") or error("BENCH_TOKEN is not set")
-- RFC 6749 §2.3.1 form-urlencodes id and secret before Basic encoding; the defaults need none.
local id = os.getenv("BENCH_CLIENT_ID") or "forge-admin"
local secret = os.getenv("BENCH_CLIENT_SECRET") or "forge-admin-secret"
local expect = os.getenv("BENCH_EXPECT_ACTIVE")

wrk.method = "POST"
-- a JWT is base64url and dots only: nothing to escape in the form body
wrk.body = "token=" .. token
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. b64(id .. ":" .. secret)
wrk.headers["Accept"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

if expect == "true" or expect == "false" then
  local needle = '"active":' .. expect
  wrong = 0
  function response(status, headers, body)
    if status == 200 and not string.find(body, needle, 1, true) then
      wrong = wrong + 1
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  local wrong_total = 0
  for _, t in ipairs(threads) do
    wrong_total = wrong_total + (tonumber(t:get("wrong")) or 0)
  end
  io.write(string.format(
    "WRK requests=%d duration_s=%.3f rps=%.1f mean_ms=%.3f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d socket_errors=%d wrong_body=%d\n",
    summary.requests, secs, summary.requests / secs, latency.mean / 1000,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout, wrong_total))
end
