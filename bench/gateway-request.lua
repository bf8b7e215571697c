-- wrk script: GET on the URL given to wrk (/api/v1/deployments on every path of bench/gateway.sh),
-- optionally with a Bearer access token. Used by bench/gateway.sh.
-- Environment:
--   BENCH_TOKEN   when set and not empty: sent as "Authorization: Bearer <token>" (the gateway path);
--                 the direct and nginx paths run without it (the gateway strips it before the upstream,
--                 so with it the echo's answer, which reflects every request header, would be larger
--                 on those paths only)
-- done() prints one machine-readable line that gateway.sh parses (same format as the other bench scripts):
--   WRK requests=N duration_s=S rps=R p50_ms=A p90_ms=B p99_ms=C max_ms=D non2xx=E socket_errors=F
-- (wrk counts every status >= 400 in non2xx; the paths only ever answer 200 or 4xx/5xx)

--   BENCH_DELAY_MS  when set: each connection waits a random time (exponentially distributed with this
--                 mean, in ms) before each request: a paced load of about connections / mean requests per
--                 second, below saturation, for the latency a hop adds (wrk measures from the request's
--                 write to the end of its answer, so the wait itself is not counted)

local token = os.getenv("BENCH_TOKEN")
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "")

function init(args)
  math.randomseed(math.floor(os.clock() * 1e9) + math.floor(os.time()))
end

if delay_ms ~= nil and delay_ms > 0 then
  function delay()
    return math.floor(-delay_ms * math.log(1 - math.random()) + 0.5)
  end
end

wrk.method = "GET"
wrk.headers["Accept"] = "application/json"
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "WRK requests=%d duration_s=%.3f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d socket_errors=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
