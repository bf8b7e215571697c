#!/usr/bin/env bash
# Zero-downtime restarts, shown on one machine: two gateway instances behind nginx, load on nginx from
# wrk (GET /api/v1/deployments with a demo client's JWT), and, during the load, each gateway restarted
# in turn: SIGTERM, wait until it has exited, start it again, wait until it is ready. Prints the number
# of requests and of failed ones (non-2xx answers and socket errors); exits 1 unless that is zero.
#
#   deploy/local/rolling-restart.sh
#
# Starts its own auth-service, token-introspection-service, echo upstream, two gateways and nginx on
# ports of its own (FORGE_RR_BASE_PORT, default 28000: nginx +80, gateways +180/+181, auth +81,
# introspection +82, echo +90), bound to 127.0.0.1, with PostgreSQL and Redis as deploy/local/up.sh
# finds them (the servers on 127.0.0.1 when they answer, embedded ones otherwise) and a database of its
# own (forgeauth_rolling_<hash of its key-encryption key>). Stops everything it started when it ends, however it ends. Does not touch a
# stack started by up.sh. Needs a JDK 17+, curl, wrk and nginx (installed with apt-get when missing and
# running as root). State and logs: deploy/local/.state/rolling/.
#
# FORGE_RR_DURATION   seconds of load (default 60; both restarts must fit in it)
# FORGE_RR_CONNECTIONS wrk connections (default 16), FORGE_RR_THREADS wrk threads (default 2)
# FORGE_RR_TIMEOUT    seconds after which wrk counts a request as failed (default 30, a usual client
#                     timeout; wrk's own 2 s is shorter than a pause of a busy 2-core machine)
# FORGE_SHUTDOWN_DELAY the services' readiness-down delay on SIGTERM (default: the services' own, 5s)
# FORGE_RR_LB_FOLLOWS_READINESS  1 (default): when a gateway reports not ready, the script takes it out
#                     of nginx's upstreams (a reload), as Kubernetes drops a terminating or unready pod
#                     from a Service's endpoints; 0: nginx only notices a gateway is gone by its own
#                     failed connections (open-source nginx has no active health checks)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="$ROOT/deploy/local/.state/rolling"
# shellcheck source=deploy/local/lib.sh
. "$ROOT/deploy/local/lib.sh"

BASE="${FORGE_RR_BASE_PORT:-28000}"
NGINX_PORT=$((BASE + 80))
GW_A_PORT=$((BASE + 180))
GW_B_PORT=$((BASE + 181))
AUTH_PORT=$((BASE + 81))
INTRO_PORT=$((BASE + 82))
ECHO_PORT=$((BASE + 90))
DURATION="${FORGE_RR_DURATION:-60}"
LB_FOLLOWS_READINESS="${FORGE_RR_LB_FOLLOWS_READINESS:-1}"
CONNECTIONS="${FORGE_RR_CONNECTIONS:-16}"
THREADS="${FORGE_RR_THREADS:-2}"
DATABASE="forgeauth_rolling"
DEMO_ID="demo-service"
DEMO_SECRET="demo-service-secret"
ADMIN_ID="forge-admin"
ADMIN_SECRET="forge-admin-secret"
# the gateway's own client, scope introspect only (auth-service seeds it from the same variables)
GATEWAY_CLIENT_ID="forge-gateway"
GATEWAY_CLIENT_SECRET="forge-gateway-secret"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# ------------------------------------------------------------------------------------------- tools
need_pkg() { # command package
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing $2 (apt-get)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 \
            || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1; } \
            || die "could not install $2"
    fi
    command -v "$1" >/dev/null 2>&1 || die "$1 not found: install the Debian package $2"
}
command -v "$JAVA" >/dev/null 2>&1 || die "java not found: install a JDK 17 or newer"
need_pkg curl curl
need_pkg wrk wrk
NGINX="$(command -v nginx || true)"
[ -n "$NGINX" ] || [ ! -x /usr/sbin/nginx ] || NGINX=/usr/sbin/nginx
if [ -z "$NGINX" ]; then
    need_pkg nginx nginx
    NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
fi

for port in $NGINX_PORT $GW_A_PORT $GW_B_PORT $AUTH_PORT $INTRO_PORT $ECHO_PORT; do
    port_open "$port" && die "port $port is in use: set FORGE_RR_BASE_PORT to another base"
done

# ------------------------------------------------------------------------------------------- build
jar() { echo "$ROOT/$1/target/quarkus-app/quarkus-run.jar"; }
TJAR="$(ls "$ROOT"/forge-testing/target/forge-testing-*.jar 2>/dev/null | grep -v -e '-sources' -e '-tests' | head -n 1 || true)"
if [ -z "$TJAR" ] || [ ! -d "$ROOT/forge-testing/target/lib" ] || [ ! -f "$(jar auth-service)" ] \
        || [ ! -f "$(jar token-introspection-service)" ] || [ ! -f "$(jar gateway)" ] || [ ! -f "$(jar echo-upstream)" ]; then
    say "building: ./mvnw -B -q -DskipTests package"
    (cd "$ROOT" && ./mvnw -B -q -DskipTests package -pl forge-testing,auth-service,token-introspection-service,gateway,echo-upstream -am) \
        || die "the Maven build failed"
    TJAR="$(ls "$ROOT"/forge-testing/target/forge-testing-*.jar | grep -v -e '-sources' -e '-tests' | head -n 1)"
fi

mkdir -p "$STATE"
chmod 700 "$STATE"
# a run's logs replace the previous run's
rm -f "$STATE"/*.log "$STATE"/infra.env
NGX="$STATE/nginx"
rm -rf "$NGX"
mkdir -p "$NGX/tmp"

# --------------------------------------------------------------------------------- process control
PIDS="" # name=pid of everything this run started, stopped in reverse order at exit
pid_of_name() { local e; for e in $PIDS; do [ "${e%%=*}" = "$1" ] && { echo "${e#*=}"; return 0; }; done; return 1; }
forget() { local e out=""; for e in $PIDS; do [ "${e%%=*}" = "$1" ] || out="$out $e"; done; PIDS="$out"; }
alive() { local pid; pid="$(pid_of_name "$1")" && kill -0 "$pid" 2>/dev/null; }

stop_one() { # name: SIGTERM, up to 30 s, then SIGKILL
    local pid waited=0
    pid="$(pid_of_name "$1")" || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
        kill -0 "$pid" 2>/dev/null && { warn "$1 (pid $pid) still running after 30 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
    fi
    wait "$pid" 2>/dev/null || true
    forget "$1"
}

cleanup() {
    local rc=$? e names=""
    trap - EXIT INT TERM
    for e in $PIDS; do names="${e%%=*} $names"; done
    for e in $names; do stop_one "$e"; done
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------- PostgreSQL and Redis
# The key-encryption key of this run's stack is kept in the state directory, and the database is named
# after it: signing keys stored under one KEK are unreadable under another, so a lost state directory
# means a new KEK and a fresh database rather than a stack that cannot start.
if [ ! -s "$STATE/kek" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n' >"$STATE/kek")
fi
DATABASE="${DATABASE}_$(sha256sum "$STATE/kek" | cut -c1-8)"
"$JAVA" -cp "$TJAR:$ROOT/forge-testing/target/lib/*" dev.forgeauth.testing.LocalInfraMain "$STATE" "$DATABASE" \
    </dev/null >"$STATE/infra.log" 2>&1 &
PIDS="$PIDS infra=$!"
waited=0
until [ -s "$STATE/infra.env" ]; do
    alive infra || { tail -n 30 "$STATE/infra.log" >&2; die "the PostgreSQL/Redis helper exited"; }
    [ "$waited" -lt 1200 ] || die "PostgreSQL/Redis not ready after 120 s (see $STATE/infra.log)"
    sleep 0.1
    waited=$((waited + 1))
done
set -a
# shellcheck disable=SC1091
. "$STATE/infra.env"
set +a
[ "${FORGE_EMBEDDED_PG:-false}" = "true" ] && export FORGE_PG_PASSWORD=""
export FORGE_PG_DATABASE="$DATABASE" FORGE_PG_PASSWORD="${FORGE_PG_PASSWORD:-}"
say "PostgreSQL $FORGE_PG_HOST:$FORGE_PG_PORT/$DATABASE, Redis $FORGE_REDIS_HOST:$FORGE_REDIS_PORT"


# ------------------------------------------------------------------------------------------ services
start() { # name module port [extra env...]
    local name="$1" module="$2" port="$3"
    shift 3
    env FORGE_KEK="$(cat "$STATE/kek")" \
        FORGE_BOOTSTRAP_CLIENT_ID="$ADMIN_ID" FORGE_BOOTSTRAP_CLIENT_SECRET="$ADMIN_SECRET" \
        FORGE_DEMO_CLIENT_ID="$DEMO_ID" FORGE_DEMO_CLIENT_SECRET="$DEMO_SECRET" \
        FORGE_GATEWAY_CLIENT_ID="$GATEWAY_CLIENT_ID" FORGE_GATEWAY_CLIENT_SECRET="$GATEWAY_CLIENT_SECRET" \
        FORGE_AUTH_URL="http://127.0.0.1:$AUTH_PORT" FORGE_JWKS_URL="http://127.0.0.1:$AUTH_PORT/oauth/jwks" \
        FORGE_INTROSPECTION_URL="http://127.0.0.1:$INTRO_PORT" FORGE_ECHO_URL="http://127.0.0.1:$ECHO_PORT" \
        FORGE_AUTH_PORT="$AUTH_PORT" FORGE_INTROSPECTION_PORT="$INTRO_PORT" FORGE_ECHO_PORT="$ECHO_PORT" \
        FORGE_GATEWAY_PORT="$port" FORGE_GATEWAY_RATE_LIMIT=100000000 QUARKUS_HTTP_HOST=127.0.0.1 \
        "$@" "$JAVA" ${FORGE_JAVA_OPTS:-} -jar "$(jar "$module")" </dev/null >>"$STATE/$name.log" 2>&1 &
    PIDS="$PIDS $name=$!"
}

wait_ready() { # name port: until /q/health/ready answers 200
    local waited=0
    until [ "$(http_status "$2" /q/health/ready || true)" = "200" ]; do
        alive "$1" || { tail -n 40 "$STATE/$1.log" >&2; die "$1 exited before it was ready (log: $STATE/$1.log)"; }
        [ "$waited" -lt 1200 ] || { tail -n 40 "$STATE/$1.log" >&2; die "$1 not ready after 120 s"; }
        sleep 0.1
        waited=$((waited + 1))
    done
}

start auth-service auth-service "$AUTH_PORT"
wait_ready auth-service "$AUTH_PORT" # migrations first
start token-introspection-service token-introspection-service "$INTRO_PORT"
start echo-upstream echo-upstream "$ECHO_PORT"
start gateway-a gateway "$GW_A_PORT"
start gateway-b gateway "$GW_B_PORT"
wait_ready token-introspection-service "$INTRO_PORT"
wait_ready echo-upstream "$ECHO_PORT"
wait_ready gateway-a "$GW_A_PORT"
wait_ready gateway-b "$GW_B_PORT"
say "auth-service :$AUTH_PORT, introspection :$INTRO_PORT, echo :$ECHO_PORT, gateways :$GW_A_PORT and :$GW_B_PORT ready"

# --------------------------------------------------------------------------------------------- nginx
# nginx_config A_DOWN B_DOWN: writes nginx.conf with gateway a and/or b marked down (1) or not (0)
nginx_config() {
    local a="" b=""
    [ "$1" = 1 ] && a=" down"
    [ "$2" = 1 ] && b=" down"
    sed -e "s#@NGX_DIR@#$NGX#g" -e "s#@LISTEN_PORT@#$NGINX_PORT#g" \
        -e "s#@GATEWAY_A_PORT@#$GW_A_PORT#g" -e "s#@GATEWAY_B_PORT@#$GW_B_PORT#g" \
        -e "s#@GATEWAY_A_DOWN@#$a#g" -e "s#@GATEWAY_B_DOWN@#$b#g" \
        "$ROOT/deploy/local/nginx/rolling-restart.conf.template" >"$NGX/nginx.conf.tmp"
    mv "$NGX/nginx.conf.tmp" "$NGX/nginx.conf"
}
# lb NAME up|down: takes a gateway out of nginx's rotation or puts it back (configuration reload:
# new workers take the new upstream list, the old ones finish what they carry)
LB_A=0
LB_B=0
lb() {
    local v=0
    [ "$2" = down ] && v=1
    case "$1" in gateway-a) LB_A=$v ;; gateway-b) LB_B=$v ;; esac
    nginx_config "$LB_A" "$LB_B"
    "$NGINX" -t -q -p "$NGX" -e "$NGX/error.log" -c "$NGX/nginx.conf" || die "nginx rejects $NGX/nginx.conf"
    kill -HUP "$(pid_of_name nginx)"
}
nginx_config 0 0
"$NGINX" -t -q -p "$NGX" -e "$NGX/error.log" -c "$NGX/nginx.conf" || die "nginx rejects $NGX/nginx.conf"
"$NGINX" -p "$NGX" -e "$NGX/error.log" -c "$NGX/nginx.conf" </dev/null >"$STATE/nginx.log" 2>&1 &
PIDS="$PIDS nginx=$!"
waited=0
until port_open "$NGINX_PORT"; do
    alive nginx || { cat "$NGX/error.log" >&2; die "nginx exited"; }
    [ "$waited" -lt 100 ] || die "nginx does not listen on :$NGINX_PORT"
    sleep 0.1
    waited=$((waited + 1))
done

# ------------------------------------------------------------------------------------------- the load
TOKEN="$(curl -sf -u "$DEMO_ID:$DEMO_SECRET" -d grant_type=client_credentials -d scope=deployment:read \
    "http://127.0.0.1:$NGINX_PORT/oauth/token" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')"
[ -n "$TOKEN" ] || die "no access token for $DEMO_ID through nginx"
status="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$NGINX_PORT/api/v1/deployments")"
[ "$status" = "200" ] || die "GET /api/v1/deployments through nginx answered $status"
: >"$NGX/access.log" # count only the load

cat >"$STATE/count.lua" <<'EOF'
-- counts the answers that are not 2xx (wrk's own summary counts only >= 400 and calls 3xx fine)
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non2xx") end
  io.write(string.format("FORGE_RESULT requests=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, bad, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
EOF
say "load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --timeout ${FORGE_RR_TIMEOUT:-30}s GET /api/v1/deployments through nginx :$NGINX_PORT"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout "${FORGE_RR_TIMEOUT:-30}s" --latency -s "$STATE/count.lua" \
    -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$NGINX_PORT/api/v1/deployments" >"$STATE/wrk.log" 2>&1 &
WRK_PID=$!
PIDS="$PIDS wrk=$WRK_PID"
T0=$(date +%s%N)
say "load started at $(date -d "@$((T0 / 1000000000))" '+%H:%M:%S')"
now() { echo $(( ($(date +%s%N) - T0) / 1000000 )); } # ms since the load started
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

RESTARTS=""
restart() { # name port
    local name="$1" port="$2" pid t_term t_notready="" t_out="" t_exit t_ready code
    pid="$(pid_of_name "$name")"
    t_term=$(now)
    kill -TERM "$pid"
    # readiness goes down first while the instance still serves; the load balancer drops it (here: the
    # script, as Kubernetes' endpoints would); then the instance drains and exits
    while kill -0 "$pid" 2>/dev/null; do
        if [ -z "$t_notready" ]; then
            code="$(http_status "$port" /q/health/ready || true)"
            if [ "$code" = "503" ]; then
                t_notready=$(now)
                if [ "$LB_FOLLOWS_READINESS" = 1 ]; then
                    lb "$name" down
                    t_out=$(now)
                fi
            fi
        fi
        sleep 0.05
    done
    wait "$pid" 2>/dev/null || true
    t_exit=$(now)
    forget "$name"
    start "$name" gateway "$port"
    wait_ready "$name" "$port"
    t_ready=$(now)
    [ -n "$t_out" ] && lb "$name" up
    local line="$name: SIGTERM at $(secs "$t_term")s, readiness 503 $( [ -n "$t_notready" ] && echo "at $(secs "$t_notready")s" || echo "not seen")"
    [ -n "$t_out" ] && line="$line, out of nginx at $(secs "$t_out")s"
    line="$line, exited at $(secs "$t_exit")s, ready again at $(secs "$t_ready")s"
    [ -n "$t_out" ] && line="$line and back in nginx"
    say "$line"
    RESTARTS="$RESTARTS
  $line"
}

sleep 8
restart gateway-a "$GW_A_PORT"
sleep 5
restart gateway-b "$GW_B_PORT"
kill -0 "$WRK_PID" 2>/dev/null || die "the load ended before both restarts were done: raise FORGE_RR_DURATION"
say "both gateways restarted; load runs until ${DURATION}s"
wait "$WRK_PID" || true
forget wrk
sleep 1.5 # nginx flushes its access log every second

# ------------------------------------------------------------------------------------------- results
RESULT="$(grep '^FORGE_RESULT' "$STATE/wrk.log" || true)"
[ -n "$RESULT" ] || { cat "$STATE/wrk.log" >&2; die "wrk printed no result"; }
val() { echo "$RESULT" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
REQUESTS=$(val requests)
NON2XX=$(val non2xx)
SOCKET=$(($(val connect) + $(val read) + $(val write) + $(val timeout)))
FAILED=$((NON2XX + SOCKET))
LOGGED=$(wc -l <"$NGX/access.log")
RETRIED=$(grep -c ', 127\.0\.0\.1:' "$NGX/access.log" || true)
VIA_A=$(grep -c "\"127.0.0.1:$GW_A_PORT\"" "$NGX/access.log" || true)
VIA_B=$(grep -c "\"127.0.0.1:$GW_B_PORT\"" "$NGX/access.log" || true)

echo
sed -n '/Latency Distribution/,/Requests\/sec/p' "$STATE/wrk.log"
cat <<EOF

Rolling restart of two gateways behind nginx, under load
  load          wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s GET /api/v1/deployments (demo client's JWT) via nginx :$NGINX_PORT
  restarts$RESTARTS
  answered by   gateway-a $VIA_A, gateway-b $VIA_B (nginx access log: $LOGGED requests)
  retried       $RETRIED requests went to the other gateway after a connection error (idempotent GETs)
  requests      $REQUESTS
  failed        $FAILED  (non-2xx: $NON2XX, socket errors: $SOCKET — connect $(val connect), read $(val read), write $(val write), timeout $(val timeout))
Logs: ${STATE#"$ROOT"/}/
EOF
if [ "$FAILED" -ne 0 ]; then
    warn "$FAILED failed requests"
    exit 1
fi
say "zero failed requests"
