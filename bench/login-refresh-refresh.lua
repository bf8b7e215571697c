-- wrk script: POST /auth/refresh {refresh_token}. Every refresh rotates the token, and presenting a
-- rotated token again ends the session, so every token is used exactly once: each wrk thread holds a
-- queue of live refresh tokens (its share of BENCH_REFRESH_TOKENS, one token per line, each from its
-- own login session); request() takes the oldest, response() puts the refresh_token of the answer
-- back. A session therefore never has two refreshes in flight, and its chain is never broken unless
-- the server refuses a refresh (that shows as a non-2xx and the session leaves the pool).
-- BENCH_THREADS must be wrk's -t, so that the threads split the pool without overlap.
dofile((os.getenv("BENCH_DIR") or "bench") .. "/login-refresh-common.lua")

local queue, head, tail = {}, 1, 0

function init(args)
  local all = read_lines(os.getenv("BENCH_REFRESH_TOKENS"))
  local n = tonumber(os.getenv("BENCH_THREADS") or "1")
  for k, t in ipairs(all) do
    if (k - 1) % n == (id or 0) then
      tail = tail + 1; queue[tail] = t
    end
  end
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

function request()
  local t
  if head <= tail then
    t = queue[head]; queue[head] = nil; head = head + 1
  else
    t = "df_rt_pool_exhausted" -- refused (400): the pool ran dry, which only happens after failures
  end
  return wrk.format(nil, nil, nil, '{"refresh_token":"' .. t .. '"}')
end

function response(status, headers, body)
  count_status(status)
  if status == 200 then
    local t = body:match('"refresh_token"%s*:%s*"([^"]+)"')
    if t then tail = tail + 1; queue[tail] = t end
  end
end
