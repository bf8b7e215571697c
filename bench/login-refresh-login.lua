-- wrk script: POST /auth/login {email,password}, cycling through the users bench/login-refresh.sh
-- created. BENCH_LOGIN_BODIES: a file with one ready JSON body per line. Each wrk thread starts at
-- a different user and takes the next one on every request.
dofile((os.getenv("BENCH_DIR") or "bench") .. "/login-refresh-common.lua")

local bodies, i

function init(args)
  bodies = read_lines(os.getenv("BENCH_LOGIN_BODIES"))
  i = (id or 0) * 7
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

function request()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end

function response(status, headers, body)
  count_status(status)
end
