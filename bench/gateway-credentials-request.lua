-- wrk script: GET on the URL given to wrk (/api/v1/deployments through the gateway) with one
-- credential, for bench/gateway-credentials.sh:
--   BENCH_HEADER_NAME   Authorization (JWT, PAT) or X-API-Key (API key)
--   BENCH_HEADER_VALUE  "Bearer <jwt>", "Bearer dfpat_...", "sk_live_..."
-- done() prints the WRK line (same format as the other bench scripts):
--   WRK requests=N duration_s=S rps=R p50_ms=A p90_ms=B p99_ms=C max_ms=D non2xx=E socket_errors=F
wrk.method = "GET"
wrk.headers["Accept"] = "application/json"
local name, value = os.getenv("BENCH_HEADER_NAME"), os.getenv("BENCH_HEADER_VALUE")
if name and name ~= "" and value and value ~= "" then
  wrk.headers[name] = value
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
