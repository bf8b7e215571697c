#!/usr/bin/env bash
# Gateway benchmark: what the front door costs compared with a plain reverse proxy and with no proxy.
#
# In one run, on the same echo upstream (the project's echo-upstream module on a port of its own), it
# measures GET /api/v1/deployments on these paths (PATHS):
#   direct          wrk -> echo
#   nginx           wrk -> nginx (plain reverse proxy, bench/gateway-nginx.conf: worker_processes auto,
#                   upstream keep-alive, access_log off) -> echo
#   gateway         wrk -> gateway, with a valid JWT access token (verified-token cache, scope
#                   deployment:read, Redis-shared rate limiter, identity headers) -> echo
#   gateway-public  (for diagnosis) wrk -> gateway on a public route (no credential: routing,
#                   header rewriting and proxying only) -> echo. The route exists only in the bench's
#                   gateway, added with -Dforge.gateway.routes.benchpublic.* system properties.
# It starts its own echo-upstream, auth-service (own database, dropped and recreated; random FORGE_KEK;
# the bootstrap admin and a demo client holding deployment:read), gateway (FORGE_GATEWAY_RATE_LIMIT so
# high that the per-credential limit never throttles the bench) and nginx; Redis is the real one on
# 127.0.0.1:6379. It mints the JWT with POST /oauth/token (client_credentials), checks every path once
# with curl (200; through the gateway, the echo saw X-Auth-Subject and no Authorization), then per path:
# a wrk warm-up, a measured wrk run (req/s, p50/p90/p99, non-2xx), the CPU time per request of the proxy,
# the echo and wrk (utime+stime from /proc, with the kernel's share for the proxy), then a probe at
# PROBE_CONNECTIONS (latency without queueing). The gateway's RSS (VmRSS from /proc/<pid>/status) is sampled every second
# from its start to the end of the bench; the summary gives its maximum during the gateway's runs.
# Summary: a table and the targets (gateway req/s / nginx req/s >= 0.5 at 64 connections, gateway p50 - direct p50 at the paced load
# <= 1 ms, gateway RSS < 200 MB). Everything it started is stopped on exit, nginx included.
#
# Usage:   bench/gateway.sh
# Env:     DURATION=20s  WARMUP=10s  CONNECTIONS=64  THREADS=2
#          PATHS="direct nginx gateway gateway-public"   (gateway-public splits proxying from authentication)
#          PROBE_CONNECTIONS=1  PROBE_DURATION=10s   a low-concurrency run per path after the measured
#                                             one: the latency a hop adds without queueing ("" to skip)
#          PACED_RATE=5000  PACED_DURATION=20s  a paced run per path at CONNECTIONS connections, each
#                                             waiting a random time (exponential, mean connections/rate)
#                                             before each request: the same offered load on every path,
#                                             below saturation, for the latency each hop adds ("" to skip)
#          GATEWAY_JAVA_OPTS="-Xms64m -Xmx64m -XX:+UseSerialGC -XX:MaxDirectMemorySize=64m -XX:ReservedCodeCacheSize=64m"
#                                             the gateway's JVM (see below); GATEWAY_MALLOC_ARENA_MAX=2
#                                             its MALLOC_ARENA_MAX ("" for glibc's default)
#          ECHO_JAVA_OPTS=""  AUTH_JAVA_OPTS=""  JVM flags of the echo upstream and the auth-service
#          BENCH_ECHO_PORT=18390  BENCH_NGINX_PORT=18391  BENCH_GATEWAY_PORT=18380  BENCH_AUTH_PORT=18381
#          BENCH_DB=forgeauth_bench_gateway   (dropped and recreated at start, dropped at exit)
#          BENCH_TRUSTED_PROXIES="127.0.0.1,[::1]"  FORGE_TRUSTED_PROXIES of the auth-service (see
#                                             token-issuance.sh)
#          NGINX=nginx                        the nginx binary (installed with apt-get when missing and root)
#          BENCH_JFR=0             1: run the gateway with a JFR recording (the JDK's profile settings,
#                                  Java stacks sampled every 1 ms; costs CPU and RSS: diagnosis only),
#                                  dump each measured gateway run (jcmd JFR.dump begin=) and print the
#                                  hottest methods (self and inclusive) into $BENCH_OUT/profile-<run>.txt
#          BENCH_OUT=<dir>         where logs go (default: a new /tmp/gateway-bench.XXXXXX)
#          BENCH_STRICT=1          exit 1 when a target is missed (default: only on errors/non-2xx)
#          BENCH_WAIT_IDLE=0       on a shared machine: wait up to this many seconds before each path
#                                  until other processes use < 0.2 cores (default 0: off)
#          FORGE_PG_HOST/PORT/USER/PASSWORD, FORGE_REDIS_HOST/PORT as for the services themselves
# Needs:   wrk (apt-get install -y wrk), nginx (apt-get install -y nginx), java 17, psql, curl,
#          a running PostgreSQL and Redis.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR="$ROOT/bench"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

DURATION=$(secs "${DURATION:-20s}")
WARMUP=$(secs "${WARMUP:-20s}")
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PATHS=${PATHS:-"direct nginx gateway gateway-public"}
PROBE_CONNECTIONS=${PROBE_CONNECTIONS-1}
PROBE_DURATION=$(secs "${PROBE_DURATION:-10s}")
PACED_RATE=${PACED_RATE-5000}
PACED_DURATION=$(secs "${PACED_DURATION:-20s}")
# The gateway's JVM. With no flags, the JVM of a 2-core, 24 GB machine picks G1 with a 6 GB heap limit
# and a 380 MB initial heap, and the gateway's RSS reaches ~390 MB under this load. Instead: a small fixed
# heap (the gateway keeps little: routes, keys, the verified-token and revocation caches; note that a
# full verified-token cache, forge.jwt.cache-size=100000 entries, needs more), the serial collector
# (young collections of a 64 MB heap take well under a millisecond and need no GC threads of their
# own), direct memory and the JIT's code cache capped. And at most 2 malloc arenas for the JVM's native
# allocations (GATEWAY_MALLOC_ARENA_MAX; glibc's default is 8 per core).
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS-"-Xms64m -Xmx64m -XX:+UseSerialGC -XX:MaxDirectMemorySize=64m -XX:ReservedCodeCacheSize=64m"}
GATEWAY_MALLOC_ARENA_MAX=${GATEWAY_MALLOC_ARENA_MAX-2}
ECHO_JAVA_OPTS=${ECHO_JAVA_OPTS:-}
AUTH_JAVA_OPTS=${AUTH_JAVA_OPTS:-}
ECHO_PORT=${BENCH_ECHO_PORT:-18390}
NGINX_PORT=${BENCH_NGINX_PORT:-18391}
GW_PORT=${BENCH_GATEWAY_PORT:-18380}
AUTH_PORT=${BENCH_AUTH_PORT:-18381}
DB=${BENCH_DB:-forgeauth_bench_gateway}
NGINX=${NGINX:-nginx}
BENCH_STRICT=${BENCH_STRICT:-0}
BENCH_WAIT_IDLE=${BENCH_WAIT_IDLE:-0}
BENCH_JFR=${BENCH_JFR:-0}
TRUSTED_PROXIES=${BENCH_TRUSTED_PROXIES:-"127.0.0.1,[::1]"}
ADMIN_ID=forge-admin
ADMIN_SECRET=forge-admin-secret
# the demo client (FORGE_DEMO_CLIENT_*: scopes deployment:read ...). A name of its own: the gateway's
# rate-limit bucket in the shared Redis is keyed by route and client
DEMO_ID=bench-gateway-client
DEMO_SECRET=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
API_PATH=/api/v1/deployments
PUBLIC_PREFIX=/bench-public

PG_HOST=${FORGE_PG_HOST:-127.0.0.1}
PG_PORT=${FORGE_PG_PORT:-5432}
PG_USER=${FORGE_PG_USER:-postgres}
export PGPASSWORD=${FORGE_PG_PASSWORD:-}

# targets
TARGET_RATIO=0.5          # gateway req/s / nginx req/s
TARGET_P50_DELTA_MS=1     # gateway p50 - direct p50
TARGET_RSS_MB=200         # gateway max RSS

for p in $PATHS; do
  case "$p" in direct|nginx|gateway|gateway-public) ;; *) die "PATHS: direct, nginx, gateway, gateway-public; not $p" ;; esac
done
MAIN_CONNS=${CONNECTIONS%% *}

# ---------------------------------------------------------------------------------------------------
# cleanup: stop what we started (and only that), drop the bench database
ECHO_PID=""
AUTH_PID=""
GW_PID=""
NGINX_PID=""
NGINX_WORKERS=""
RSS_PID=""
APP_COPY=""
NGINX_PREFIX=""
stop_nginx() {
  [ -n "$NGINX_PID" ] || return 0
  local w
  # the workers, as seen last: if the master had to be killed they must not linger
  NGINX_WORKERS="$NGINX_WORKERS $(nginx_workers)"
  stop_pid "$NGINX_PID" nginx   # TERM: fast shutdown of master and workers
  NGINX_PID=""
  for w in $NGINX_WORKERS; do
    if kill -0 "$w" 2>/dev/null && grep -q nginx "/proc/$w/comm" 2>/dev/null; then
      kill -KILL "$w" 2>/dev/null || true
    fi
  done
  NGINX_WORKERS=""
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_nginx
  stop_pid "$GW_PID" gateway; GW_PID=""
  if [ -n "$RSS_PID" ]; then kill "$RSS_PID" 2>/dev/null || true; wait "$RSS_PID" 2>/dev/null || true; RSS_PID=""; fi
  stop_pid "$AUTH_PID" auth-service; AUTH_PID=""
  stop_pid "$ECHO_PID" echo-upstream; ECHO_PID=""
  psql_admin -c "drop database if exists $DB with (force)" >/dev/null 2>&1 || true
  if [ -n "$NGINX_PREFIX" ]; then
    [ -n "${OUT:-}" ] && cp "$NGINX_PREFIX/error.log" "$OUT/nginx-error.log" 2>/dev/null || true
    rm -rf "$NGINX_PREFIX"
  fi
  [ -n "$APP_COPY" ] && rm -rf "$APP_COPY"
  [ -n "${OUT:-}" ] && log "logs kept in $OUT"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------------
# prerequisites
apt_install wrk wrk
if [[ " $PATHS " == *" nginx "* ]]; then
  if [ "$NGINX" = nginx ]; then
    PATH="$PATH:/usr/sbin:/sbin" apt_install nginx nginx
    NGINX=$(PATH="$PATH:/usr/sbin:/sbin" command -v nginx)
  fi
  [ -x "$(command -v "$NGINX" || true)" ] || die "nginx binary '$NGINX' not found"
fi
command -v java >/dev/null || die "java is required"
command -v psql >/dev/null || die "psql is required (apt-get install -y postgresql-client)"
command -v curl >/dev/null || die "curl is required"
psql_admin -c 'select 1' >/dev/null || die "cannot reach PostgreSQL at $PG_HOST:$PG_PORT as $PG_USER"
CLK_TCK=$(getconf CLK_TCK)

OUT=${BENCH_OUT:-$(mktemp -d /tmp/gateway-bench.XXXXXX)}
mkdir -p "$OUT"

JARS_OK=1
for m in auth-service gateway echo-upstream; do
  [ -f "$ROOT/$m/target/quarkus-app/quarkus-run.jar" ] || JARS_OK=0
done
if [ "$JARS_OK" = 0 ]; then
  log "building auth-service, gateway and echo-upstream (jar missing)"
  (cd "$ROOT" && ./mvnw -B -q install -DskipTests -pl auth-service,gateway,echo-upstream -am) || die "build failed"
fi
# Run from private copies so a concurrent rebuild of target/ cannot change the jars under the servers.
APP_COPY=$(mktemp -d /tmp/gateway-bench-app.XXXXXX)
for m in auth-service gateway echo-upstream; do
  mkdir -p "$APP_COPY/$m"
  cp -a "$ROOT/$m/target/quarkus-app/." "$APP_COPY/$m/"
  log "jar: $m (built $(date -u -r "$ROOT/$m/target/quarkus-app/quarkus-run.jar" '+%Y-%m-%d %H:%M:%SZ'))"
done
log "git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- gateway forge-core 2>/dev/null || echo ' (gateway/forge-core with uncommitted changes)')"

for p in "$ECHO_PORT" "$NGINX_PORT" "$GW_PORT" "$AUTH_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    die "something already listens on port $p; set BENCH_ECHO_PORT/BENCH_NGINX_PORT/BENCH_GATEWAY_PORT/BENCH_AUTH_PORT"
  fi
done

# ---------------------------------------------------------------------------------------------------
# helpers

proc_sys_ticks() { # stime (clock ticks in the kernel) of processes; 0 for a process that is gone
  local pid stat rest sum=0
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    rest=${stat##*) }
    # shellcheck disable=SC2086
    set -- $rest
    sum=$(( sum + ${13} ))                # field 15
  done
  echo "$sum"
}

machine_ticks() { # "busy steal" clock ticks of the whole machine, from /proc/stat
  awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $9; exit }' /proc/stat
}

await_ready() { # name url pid logfile
  local deadline=$((SECONDS + 120))
  until curl -sf -o /dev/null --max-time 2 "$2"; do
    if ! kill -0 "$3" 2>/dev/null; then
      tail -n 40 "$4" >&2
      die "$1 exited during start (log: $4)"
    fi
    (( SECONDS < deadline )) || { tail -n 40 "$4" >&2; die "$1 not ready after 120 s (log: $4)"; }
    sleep 0.5
  done
  log "$1 ready (pid $3)"
}

nginx_workers() { # the worker processes of our nginx master (its children)
  [ -n "$NGINX_PID" ] || return 0
  pgrep -P "$NGINX_PID" || true
}

jfr_settings() { # the JDK's "profile" settings, Java stacks sampled every 1 ms instead of 10 ms
  local f="$OUT/profile-1ms.jfc" home
  if [ ! -s "$f" ]; then
    home=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p')
    awk '/"jdk.ExecutionSample"/ { s = 1 } s && /name="period"/ { sub(/>[^<]*</, ">1 ms<"); s = 0 } { print }' \
      "$home/lib/jfr/profile.jfc" >"$f"
  fi
  echo "$f"
}

jfr_summary() { # file.jfr -> hottest frames: self (top of stack) and inclusive (anywhere in the stack)
  jfr print --stack-depth 256 --events jdk.ExecutionSample "$1" | awk '
    /jdk.ExecutionSample/ { flush(); n = 0; next }
    /^[[:space:]]+[A-Za-z_$][A-Za-z0-9_$.]*\(.*line:/ {
      f = $0; sub(/^[[:space:]]+/, "", f); sub(/[[:space:]]+line:.*/, "", f); sub(/\(.*$/, "", f)
      st[++n] = f; next
    }
    function flush(   i, seen) {
      if (n == 0) return
      total++; self[st[1]]++
      split("", seen)
      for (i = 1; i <= n; i++) if (!(st[i] in seen)) { seen[st[i]] = 1; incl[st[i]]++ }
      n = 0
    }
    END {
      flush()
      printf "%d samples\n-- self (top frame)\n", total
      for (f in self) printf "%6.1f%%  %s\n", 100 * self[f] / total, f | "sort -rn | head -30"
      close("sort -rn | head -30")
      printf "-- inclusive, project and proxy/auth related frames\n"
      for (f in incl) if (f ~ /dev\.forgeauth|httpproxy|caffeine|micrometer|mutiny|MessageDigest|UUID|SecureRandom|regex|Timer/)
        printf "%6.1f%%  %s\n", 100 * incl[f] / total, f | "sort -rn | head -60"
      close("sort -rn | head -60")
    }'
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# ---------------------------------------------------------------------------------------------------
# the servers
start_echo() {
  log "starting echo-upstream on port $ECHO_PORT, ECHO_JAVA_OPTS='$ECHO_JAVA_OPTS'"
  # shellcheck disable=SC2086
  FORGE_ECHO_PORT="$ECHO_PORT" QUARKUS_HTTP_HOST=127.0.0.1 \
    java $ECHO_JAVA_OPTS -jar "$APP_COPY/echo-upstream/quarkus-run.jar" >"$OUT/echo-upstream.log" 2>&1 &
  ECHO_PID=$!
  await_ready echo-upstream "http://127.0.0.1:$ECHO_PORT/q/health/ready" "$ECHO_PID" "$OUT/echo-upstream.log"
}

start_auth() {
  local kek
  psql_admin -c "drop database if exists $DB with (force)" >/dev/null
  psql_admin -c "create database $DB" >/dev/null
  kek=$(head -c32 /dev/urandom | base64)
  log "starting auth-service on port $AUTH_PORT, database $DB, AUTH_JAVA_OPTS='$AUTH_JAVA_OPTS'"
  # shellcheck disable=SC2086
  FORGE_KEK="$kek" \
  FORGE_BOOTSTRAP_CLIENT_ID="$ADMIN_ID" FORGE_BOOTSTRAP_CLIENT_SECRET="$ADMIN_SECRET" \
  FORGE_DEMO_CLIENT_ID="$DEMO_ID" FORGE_DEMO_CLIENT_SECRET="$DEMO_SECRET" \
  FORGE_AUTH_PORT="$AUTH_PORT" FORGE_PG_DATABASE="$DB" FORGE_KEYS_PUBLISH_DELAY=0s \
  FORGE_TRUSTED_PROXIES="$TRUSTED_PROXIES" QUARKUS_HTTP_HOST=127.0.0.1 \
    java $AUTH_JAVA_OPTS -jar "$APP_COPY/auth-service/quarkus-run.jar" >"$OUT/auth-service.log" 2>&1 &
  AUTH_PID=$!
  await_ready auth-service "http://127.0.0.1:$AUTH_PORT/q/health/ready" "$AUTH_PID" "$OUT/auth-service.log"
}

start_gateway() {
  log "starting gateway on port $GW_PORT, GATEWAY_JAVA_OPTS='$GATEWAY_JAVA_OPTS' MALLOC_ARENA_MAX=${GATEWAY_MALLOC_ARENA_MAX:-default}"
  local jfr_opts="" arena=()
  [ -n "$GATEWAY_MALLOC_ARENA_MAX" ] && arena=("MALLOC_ARENA_MAX=$GATEWAY_MALLOC_ARENA_MAX")
  # JFR from the start (BENCH_JFR=1): starting a recording later instruments JDK classes under load,
  # which throws away compiled code and keeps the JIT busy during the measurement
  [ "$BENCH_JFR" = 1 ] && jfr_opts="-XX:FlightRecorderOptions=stackdepth=256 -XX:StartFlightRecording=name=bench,settings=$(jfr_settings),maxage=10m"
  # shellcheck disable=SC2086
  java $GATEWAY_JAVA_OPTS -XX:+PrintFlagsFinal -version 2>/dev/null \
    | awk '$2 ~ /^(UseSerialGC|UseParallelGC|UseG1GC|MaxHeapSize|InitialHeapSize|MaxDirectMemorySize|ActiveProcessorCount)$/ { printf "%s=%s ", $2, $4 } END { print "" }' \
    | sed 's/^/[gateway JVM] /' | tee "$OUT/gateway-jvm.txt" >&2
  # shellcheck disable=SC2086
  FORGE_GATEWAY_PORT="$GW_PORT" QUARKUS_HTTP_HOST=127.0.0.1 \
  FORGE_AUTH_URL="http://127.0.0.1:$AUTH_PORT" \
  FORGE_JWKS_URL="http://127.0.0.1:$AUTH_PORT/oauth/jwks" \
  FORGE_ECHO_URL="http://127.0.0.1:$ECHO_PORT" \
  FORGE_GATEWAY_RATE_LIMIT=100000000 \
    env "${arena[@]}" java $GATEWAY_JAVA_OPTS $jfr_opts \
      "-Dforge.gateway.routes.benchpublic.prefixes=$PUBLIC_PREFIX" \
      "-Dforge.gateway.routes.benchpublic.upstreams=http://127.0.0.1:$ECHO_PORT" \
      -Dforge.gateway.routes.benchpublic.public=true \
      -jar "$APP_COPY/gateway/quarkus-run.jar" >"$OUT/gateway.log" 2>&1 &
  GW_PID=$!
  # VmRSS every second for the gateway's whole life: "epoch_seconds rss_kb"
  (
    while kill -0 "$GW_PID" 2>/dev/null; do
      printf '%s %s\n' "$(date +%s)" "$(rss_kb "$GW_PID")"
      sleep 1
    done
  ) >"$OUT/gateway-rss.txt" 2>/dev/null &
  RSS_PID=$!
  await_ready gateway "http://127.0.0.1:$GW_PORT/q/health/ready" "$GW_PID" "$OUT/gateway.log"
}

start_nginx() {
  NGINX_PREFIX=$(mktemp -d /tmp/gateway-bench-nginx.XXXXXX)
  mkdir -p "$NGINX_PREFIX/tmp"
  # workers run as an unprivileged user when the master is root: let them into the prefix
  chmod 755 "$NGINX_PREFIX"; chmod 1777 "$NGINX_PREFIX/tmp"
  sed -e "s/@NGINX_PORT@/$NGINX_PORT/g" -e "s/@ECHO_PORT@/$ECHO_PORT/g" \
    "$BENCH_DIR/gateway-nginx.conf" >"$NGINX_PREFIX/nginx.conf"
  "$NGINX" -p "$NGINX_PREFIX/" -e "$NGINX_PREFIX/error.log" -c "$NGINX_PREFIX/nginx.conf" -t >"$OUT/nginx-t.log" 2>&1 \
    || { cat "$OUT/nginx-t.log" >&2; die "nginx rejected the configuration"; }
  log "starting nginx ($("$NGINX" -v 2>&1 | sed 's/.*: //')) on port $NGINX_PORT, config bench/gateway-nginx.conf in $NGINX_PREFIX"
  "$NGINX" -p "$NGINX_PREFIX/" -e "$NGINX_PREFIX/error.log" -c "$NGINX_PREFIX/nginx.conf" -g 'daemon off;' \
    >"$OUT/nginx.log" 2>&1 &
  NGINX_PID=$!
  await_ready nginx "http://127.0.0.1:$NGINX_PORT/q/health/ready" "$NGINX_PID" "$NGINX_PREFIX/error.log"
  NGINX_WORKERS=$(nginx_workers | tr '\n' ' ')
  log "nginx workers: $NGINX_WORKERS"
}

mint_token() { # sets TOKEN
  local r code body
  r=$(curl -s -w '\n%{http_code}' -H "Authorization: $(basic "$DEMO_ID" "$DEMO_SECRET")" \
    -d grant_type=client_credentials --data-urlencode scope=deployment:read "http://127.0.0.1:$AUTH_PORT/oauth/token")
  code=${r##*$'\n'}; body=${r%$'\n'*}
  [ "$code" = 200 ] || die "POST /oauth/token for $DEMO_ID answered $code: $body"
  TOKEN=$(json_str access_token "$body")
  [ -n "$TOKEN" ] || die "no access_token in $body"
  log "JWT minted for $DEMO_ID (${#TOKEN} chars, scope $(json_str scope "$body"))"
}

url_of() {
  case "$1" in
    direct) echo "http://127.0.0.1:$ECHO_PORT$API_PATH" ;;
    nginx) echo "http://127.0.0.1:$NGINX_PORT$API_PATH" ;;
    gateway) echo "http://127.0.0.1:$GW_PORT$API_PATH" ;;
    gateway-public) echo "http://127.0.0.1:$GW_PORT$PUBLIC_PREFIX$API_PATH" ;;
  esac
}
token_of() { [ "$1" = gateway ] && echo "$TOKEN" || true; }
proxy_pids() { # the proxy's processes
  case "$1" in
    direct) ;;
    nginx) echo "$NGINX_PID $(nginx_workers | tr '\n' ' ')" ;;
    gateway | gateway-public) echo "$GW_PID" ;;
  esac
}

get() { # url [token] -> "body\ncode"
  if [ -n "${2:-}" ]; then
    curl -s -w '\n%{http_code}' -H 'Accept: application/json' -H "Authorization: Bearer $2" "$1"
  else
    curl -s -w '\n%{http_code}' -H 'Accept: application/json' "$1"
  fi
}

check_paths() {
  local p r code body
  for p in $PATHS; do
    r=$(get "$(url_of "$p")" "$(token_of "$p")"); code=${r##*$'\n'}; body=${r%$'\n'*}
    [ "$code" = 200 ] || die "$p: GET $(url_of "$p") answered $code: $body"
    grep -q '"method":"GET"' <<<"$body" || die "$p: not an echo answer: $body"
    case "$p" in
      gateway)
        grep -q '"x-auth-subject":"' <<<"$body" || die "gateway: the echo did not see X-Auth-Subject: $body"
        grep -q '"x-auth-scopes":"[^"]*deployment:read' <<<"$body" || die "gateway: the echo did not see X-Auth-Scopes with deployment:read: $body"
        if grep -q '"authorization"' <<<"$body"; then die "gateway: the client's Authorization reached the echo: $body"; fi
        # and the same path without a credential is refused
        r=$(get "$(url_of gateway)"); code=${r##*$'\n'}
        [ "$code" = 401 ] || die "gateway: GET $API_PATH without a token answered $code, not 401"
        log "gateway: 200, echo saw x-auth-subject=$(json_str x-auth-subject "$body") x-auth-scopes='$(json_str x-auth-scopes "$body")'; without a token: 401"
        ;;
      nginx)
        grep -q '"x-forwarded-for":"' <<<"$body" || die "nginx: the echo did not see X-Forwarded-For: $body"
        log "nginx: 200 (${#body} bytes)"
        ;;
      *) log "$p: 200 (${#body} bytes)" ;;
    esac
    printf '%s\n' "$body" >"$OUT/check-$p.json"
  done
}

run_wrk() { # label path connections duration [mean delay ms] -> prints the WRK line; output in
  #           $OUT/wrk-<label>.txt, wrk's own CPU seconds (user+sys) in $OUT/wrk-<label>.cpu
  local label=$1 path=$2 conns=$3 dur=$4 delay=${5:-} TIMEFORMAT='%U %S' threads=$THREADS
  (( threads <= conns )) || threads=$conns   # wrk needs a connection per thread
  { time BENCH_TOKEN=$(token_of "$path") BENCH_DELAY_MS=$delay \
      wrk -t"$threads" -c"$conns" -d"$dur" --latency -s "$BENCH_DIR/gateway-request.lua" \
      "$(url_of "$path")" >"$OUT/wrk-$label.txt" 2>&1; } 2>"$OUT/wrk-$label.cpu" \
    || { cat "$OUT/wrk-$label.txt" >&2; die "wrk failed"; }
  grep '^WRK ' "$OUT/wrk-$label.txt" || die "no summary from wrk (see $OUT/wrk-$label.txt)"
}

# ---------------------------------------------------------------------------------------------------
log "output: $OUT"
{
  echo "date: $(date -u)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "nproc: $(nproc)   cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)   mem: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  java -version 2>&1 | head -1
  [[ " $PATHS " == *" nginx "* ]] && "$NGINX" -v 2>&1
  echo "wrk: -t$THREADS -c{$CONNECTIONS} -d$DURATION (warm-up $WARMUP per path)${PROBE_CONNECTIONS:+, probe -c$PROBE_CONNECTIONS -d$PROBE_DURATION}, PATHS='$PATHS'"
  echo "GATEWAY_JAVA_OPTS='$GATEWAY_JAVA_OPTS' GATEWAY_MALLOC_ARENA_MAX='$GATEWAY_MALLOC_ARENA_MAX' ECHO_JAVA_OPTS='$ECHO_JAVA_OPTS', Redis ${FORGE_REDIS_HOST:-127.0.0.1}:${FORGE_REDIS_PORT:-6379}"
} | tee "$OUT/machine.txt"

start_echo
if [[ " $PATHS " == *" gateway"* ]]; then
  start_auth
  start_gateway
  mint_token
fi
[[ " $PATHS " == *" nginx "* ]] && start_nginx
check_paths

declare -A R_RPS R_P50 R_P90 R_P99 R_MAX R_NON2XX R_REQ R_PROXY R_SYS R_ECHO R_WRK R_GC R_MACHINE R_OTHER
declare -A GW_WINDOW   # path -> "start end" (epoch seconds) of its load, for the RSS maximum
RUNS=()
FAILED=0
measure() { # path conns duration label [mean delay ms per connection: a paced run]
  local path=$1 conns=$2 dur=$3 run=$4 delay=${5:-} pids line jit k0 k1 req t0 t1 e0 e1 m0 m1 s0 s1 w0 w1 gc0="" gc1="" wrk_cpu
  RUNS+=("$run")
  pids=$(proxy_pids "$path")
  log "$run: measuring $dur at $conns connections, $THREADS threads${delay:+, paced (mean wait ${delay} ms per connection)}: $(url_of "$path")"
  if [ -n "$pids" ] && [[ "$path" == gateway* ]]; then
    thread_ticks "$GW_PID" >"$OUT/threads-$run-before.tsv"
    gc0=$(gc_seconds "$GW_PID")
  fi
  local jfr_begin=""
  [ "$BENCH_JFR" = 1 ] && [[ "$path" == gateway* ]] && jfr_begin=$(date +%Y-%m-%dT%H:%M:%S)
  read -r m0 s0 < <(machine_ticks)
  # shellcheck disable=SC2086
  t0=$(proc_ticks $pids); e0=$(proc_ticks "$ECHO_PID"); k0=$(proc_sys_ticks $pids)
  w0=$(date +%s.%N)
  line=$(run_wrk "$run" "$path" "$conns" "$dur" "$delay")
  w1=$(date +%s.%N)
  # shellcheck disable=SC2086
  t1=$(proc_ticks $pids); e1=$(proc_ticks "$ECHO_PID"); k1=$(proc_sys_ticks $pids)
  read -r m1 s1 < <(machine_ticks)
  if [ "$BENCH_JFR" = 1 ] && [[ "$path" == gateway* ]]; then
    if jcmd "$GW_PID" JFR.dump name=bench "begin=$jfr_begin" "filename=$OUT/gateway-$run.jfr" >/dev/null; then
      jfr_summary "$OUT/gateway-$run.jfr" >"$OUT/profile-$run.txt" 2>&1 || true
      log "$run: JFR profile: $OUT/gateway-$run.jfr, hottest methods in $OUT/profile-$run.txt"
    fi
  fi
  sed -n '/Latency Distribution/,/requests in/p' "$OUT/wrk-$run.txt" | sed 's/^/    /' >&2

  req=$(kv requests "$line")
  (( req > 0 )) || die "$run: wrk completed no request"
  R_REQ[$run]=$req
  R_RPS[$run]=$(kv rps "$line")
  R_P50[$run]=$(kv p50_ms "$line")
  R_P90[$run]=$(kv p90_ms "$line")
  R_P99[$run]=$(kv p99_ms "$line")
  R_MAX[$run]=$(kv max_ms "$line")
  R_NON2XX[$run]=$(( $(kv non2xx "$line") + $(kv socket_errors "$line") ))
  wrk_cpu=$(awk '{ print $1 + $2 }' "$OUT/wrk-$run.cpu")
  if [ -n "$pids" ]; then
    R_PROXY[$run]=$(awk -v d=$((t1 - t0)) -v t="$CLK_TCK" -v n="$req" 'BEGIN { printf "%.1f", d / t * 1e6 / n }')
    R_SYS[$run]=$(awk -v d=$((t1 - t0)) -v k=$((k1 - k0)) 'BEGIN { printf "%.0f", (d > 0 ? 100 * k / d : 0) }')
  else
    R_PROXY[$run]="-"
    R_SYS[$run]="-"
  fi
  R_ECHO[$run]=$(awk -v d=$((e1 - e0)) -v t="$CLK_TCK" -v n="$req" 'BEGIN { printf "%.1f", d / t * 1e6 / n }')
  R_WRK[$run]=$(awk -v w="$wrk_cpu" -v n="$req" 'BEGIN { printf "%.1f", w * 1e6 / n }')
  R_GC[$run]="-"
  if [ -n "$gc0" ]; then
    gc1=$(gc_seconds "$GW_PID")
    [ -n "$gc1" ] && R_GC[$run]=$(awk -v a="$gc0" -v b="$gc1" -v n="$req" 'BEGIN { printf "%.1f", (b - a) * 1e6 / n }')
  fi
  # where the machine's CPU went during the run: proxy, echo, wrk, everything else
  R_MACHINE[$run]=$(awk -v m=$((m1 - m0)) -v st=$((s1 - s0)) -v px=$((t1 - t0)) -v ec=$((e1 - e0)) -v w="$wrk_cpu" \
    -v t="$CLK_TCK" -v a="$w0" -v b="$w1" -v name="$path" 'BEGIN { d = b - a;
      printf "proxy (%s) %.2f, echo %.2f, wrk %.2f, everything else (other processes, kernel softirq) %.2f, steal %.2f cores",
        name, px / t / d, ec / t / d, w / d, (m - px - ec) / t / d - w / d, st / t / d }')
  R_OTHER[$run]=$(awk -v m=$((m1 - m0)) -v px=$((t1 - t0)) -v ec=$((e1 - e0)) -v w="$wrk_cpu" -v t="$CLK_TCK" \
    -v a="$w0" -v b="$w1" 'BEGIN { d = b - a; printf "%.2f", (m - px - ec) / t / d - w / d }')
  log "$run: $line"
  log "$run: CPU per request: proxy ${R_PROXY[$run]} us (${R_SYS[$run]}% in the kernel), echo ${R_ECHO[$run]} us, wrk ${R_WRK[$run]} us; machine: ${R_MACHINE[$run]}"
  if awk -v o="${R_OTHER[$run]}" 'BEGIN { exit !(o > 0.2) }'; then
    log "$run: WARNING: ${R_OTHER[$run]} cores went to other processes or the kernel during the run; if other processes were busy, the figures are disturbed"
  fi
  if [ -n "$gc0" ]; then
    log "$run: gateway GC ${R_GC[$run]} us/request; gateway CPU by thread:"
    thread_ticks "$GW_PID" >"$OUT/threads-$run-after.tsv"
    thread_breakdown "$OUT/threads-$run-before.tsv" "$OUT/threads-$run-after.tsv" "$req" | tee "$OUT/threads-$run.txt" >&2
    jit=$(awk '/CompilerThre/ { p += $3 } END { printf "%.0f", p }' "$OUT/threads-$run.txt")
    if (( jit > 10 )); then
      log "$run: WARNING: the JIT compiler threads took $jit% of the gateway's CPU during the measurement: it was not warm (raise WARMUP)"
    fi
  fi
  if [[ "$path" == gateway* ]]; then log "$run: gateway RSS now $(( $(rss_kb "$GW_PID") / 1024 )) MB"; fi
  if (( R_NON2XX[$run] != 0 )); then
    log "$run: FAIL: ${R_NON2XX[$run]} non-2xx responses or socket errors (see $OUT/wrk-$run.txt)"
    FAILED=1
  fi
}

for path in $PATHS; do
  wait_idle
  start_s=$(date +%s)
  log "$path: warm-up $WARMUP at $MAIN_CONNS connections"
  warm=$(run_wrk "$path-warmup" "$path" "$MAIN_CONNS" "$WARMUP")
  log "$path: warm-up: $warm"
  for conns in $CONNECTIONS; do
    measure "$path" "$conns" "$DURATION" "$path-c$conns"
  done
  for conns in $PROBE_CONNECTIONS; do
    measure "$path" "$conns" "$PROBE_DURATION" "$path-c$conns-probe"
  done
  if [ -n "$PACED_RATE" ]; then
    measure "$path" "$MAIN_CONNS" "$PACED_DURATION" "$path-c$MAIN_CONNS-paced" \
      "$(awk -v c="$MAIN_CONNS" -v r="$PACED_RATE" 'BEGIN { printf "%.3f", 1000 * c / r }')"
  fi
  GW_WINDOW[$path]="$start_s $(date +%s)"
done
# the gateway still answers as it should after the load
if [[ " $PATHS " == *" gateway "* ]]; then
  r=$(get "$(url_of gateway)" "$TOKEN"); code=${r##*$'\n'}
  [ "$code" = 200 ] || die "gateway: after the load, GET $API_PATH answered $code"
fi

# gateway RSS: the maximum of the 1 s samples during the gateway's runs, and over its whole life
RSS_LOAD_MB=""
RSS_LIFE_MB=""
if [ -n "$GW_PID" ]; then
  sleep 1
  windows=""
  for p in gateway gateway-public; do [ -n "${GW_WINDOW[$p]:-}" ] && windows="$windows ${GW_WINDOW[$p]}"; done
  RSS_LOAD_MB=$(awk -v w="$windows" 'BEGIN { n = split(w, a, " ") }
    { for (i = 1; i < n; i += 2) if ($1 >= a[i] && $1 <= a[i + 1] && $2 > m) m = $2 }
    END { printf "%.0f", m / 1024 }' "$OUT/gateway-rss.txt")
  RSS_LIFE_MB=$(awk '$2 > m { m = $2 } END { printf "%.0f", m / 1024 }' "$OUT/gateway-rss.txt")
  RSS_SAMPLES=$(wc -l <"$OUT/gateway-rss.txt")
fi

# ---------------------------------------------------------------------------------------------------
# summary
MISSED=0
check() { # description ok(1/0) measured
  local v=met
  if [ "$2" != 1 ]; then v=MISSED; MISSED=1; fi
  printf '  %-58s %-6s (%s)\n' "$1:" "$v" "$3"
}
has() { [ -n "${R_RPS[$1]:-}" ]; }
{
  echo
  echo "Gateway vs nginx vs direct: GET $API_PATH on the echo upstream, wrk -t$THREADS -d$DURATION (warm-up $WARMUP per path)"
  echo "GATEWAY_JAVA_OPTS='$GATEWAY_JAVA_OPTS' GATEWAY_MALLOC_ARENA_MAX='$GATEWAY_MALLOC_ARENA_MAX'"
  printf '| %-23s | %5s | %8s | %6s | %6s | %6s | %7s | %6s | %12s | %10s | %11s | %10s |\n' run conns "req/s" "p50 ms" "p90 ms" "p99 ms" "max ms" non2xx "proxy us/req" "proxy sys" "echo us/req" "wrk us/req"
  echo "|-------------------------|-------|----------|--------|--------|--------|---------|--------|--------------|------------|-------------|------------|"
  for run in "${RUNS[@]}"; do
    conns=${run##*-c}; conns=${conns%-probe}; conns=${conns%-paced}
    sys=${R_SYS[$run]}; [ "$sys" != "-" ] && sys="$sys%"
    printf '| %-23s | %5s | %8.0f | %6.2f | %6.2f | %6.2f | %7.2f | %6s | %12s | %10s | %11s | %10s |\n' "$run" "$conns" "${R_RPS[$run]}" \
      "${R_P50[$run]}" "${R_P90[$run]}" "${R_P99[$run]}" "${R_MAX[$run]}" "${R_NON2XX[$run]}" "${R_PROXY[$run]}" "$sys" "${R_ECHO[$run]}" "${R_WRK[$run]}"
  done
  echo "(proxy/echo/wrk us/req: CPU time, user+sys, of that process per request; proxy sys: the share of it spent in the kernel)"
  if [ -n "$RSS_LOAD_MB" ]; then
    echo "gateway RSS (VmRSS, sampled every 1 s, $RSS_SAMPLES samples): max ${RSS_LOAD_MB} MB during its runs, max ${RSS_LIFE_MB} MB over its whole life"
  fi
  echo
  echo "Targets (at $MAIN_CONNS connections):"
  g=gateway-c$MAIN_CONNS; n=nginx-c$MAIN_CONNS; d=direct-c$MAIN_CONNS
  if has "$g" && has "$n"; then
    ratio=$(awk -v a="${R_RPS[$g]}" -v b="${R_RPS[$n]}" 'BEGIN { printf "%.2f", a / b }')
    check "gateway req/s / nginx req/s >= $TARGET_RATIO" "$(awk -v r="$ratio" -v t="$TARGET_RATIO" 'BEGIN { print (r >= t) }')" \
      "$(printf '%.0f / %.0f = %s' "${R_RPS[$g]}" "${R_RPS[$n]}" "$ratio")"
  else
    echo "  gateway req/s / nginx req/s: n/a (PATHS lacks gateway or nginx)"
  fi
  # The latency a hop adds is measured where the hop is not the bottleneck: at the same paced load on
  # every path. In the closed loop at $MAIN_CONNS connections every path is saturated (wrk, the echo and
  # the proxy share two cores) and a p50 there is mostly queueing, about connections / req/s: it is
  # shown below as information, for nginx too.
  gp=gateway-c$MAIN_CONNS-paced; dp=direct-c$MAIN_CONNS-paced
  if has "$gp" && has "$dp"; then
    delta=$(awk -v a="${R_P50[$gp]}" -v b="${R_P50[$dp]}" 'BEGIN { printf "%.2f", a - b }')
    check "gateway p50 - direct p50 <= $TARGET_P50_DELTA_MS ms (paced, ~$PACED_RATE req/s)" "$(awk -v x="$delta" -v t="$TARGET_P50_DELTA_MS" 'BEGIN { print (x <= t) }')" \
      "${R_P50[$gp]} - ${R_P50[$dp]} = $delta ms"
  elif has "$g" && has "$d"; then
    delta=$(awk -v a="${R_P50[$g]}" -v b="${R_P50[$d]}" 'BEGIN { printf "%.2f", a - b }')
    check "gateway p50 - direct p50 <= $TARGET_P50_DELTA_MS ms (saturated, no paced run)" "$(awk -v x="$delta" -v t="$TARGET_P50_DELTA_MS" 'BEGIN { print (x <= t) }')" \
      "${R_P50[$g]} - ${R_P50[$d]} = $delta ms"
  else
    echo "  gateway p50 - direct p50: n/a (PATHS lacks gateway or direct)"
  fi
  if [ -n "$RSS_LOAD_MB" ]; then
    check "gateway max RSS during its runs < $TARGET_RSS_MB MB" "$(( RSS_LOAD_MB < TARGET_RSS_MB ))" "${RSS_LOAD_MB} MB"
  fi
  nz=0; for run in "${RUNS[@]}"; do nz=$(( nz + R_NON2XX[$run] )); done
  check "non-2xx responses and socket errors == 0 (every run)" "$(( nz == 0 ))" "$nz"
  echo
  echo "Other ratios:"
  if [ -n "$PACED_RATE" ]; then
    for p in nginx gateway gateway-public; do
      has "$p-c$MAIN_CONNS-paced" && has "direct-c$MAIN_CONNS-paced" && echo "  paced ~$PACED_RATE req/s: $p p50 - direct p50 = $(awk -v a="${R_P50[$p-c$MAIN_CONNS-paced]}" -v b="${R_P50[direct-c$MAIN_CONNS-paced]}" 'BEGIN { printf "%.2f", a - b }') ms, p99 - direct p99 = $(awk -v a="${R_P99[$p-c$MAIN_CONNS-paced]}" -v b="${R_P99[direct-c$MAIN_CONNS-paced]}" 'BEGIN { printf "%.2f", a - b }') ms"
    done
  fi
  for c in $CONNECTIONS $PROBE_CONNECTIONS; do
    sfx=-c$c; [[ " $PROBE_CONNECTIONS " == *" $c "* ]] && [[ " $CONNECTIONS " != *" $c "* ]] && sfx=-c$c-probe
    has "gateway$sfx" && has "direct$sfx" && echo "  c=$c: gateway p50 - direct p50 = $(awk -v a="${R_P50[gateway$sfx]}" -v b="${R_P50[direct$sfx]}" 'BEGIN { printf "%.2f", a - b }') ms, nginx p50 - direct p50 = $(has "nginx$sfx" && awk -v a="${R_P50[nginx$sfx]}" -v b="${R_P50[direct$sfx]}" 'BEGIN { printf "%.2f", a - b }' || echo n/a) ms"
    has "gateway$sfx" && has "nginx$sfx" && echo "  c=$c: gateway req/s / nginx req/s = $(awk -v a="${R_RPS[gateway$sfx]}" -v b="${R_RPS[nginx$sfx]}" 'BEGIN { printf "%.2f", a / b }')"
    has "gateway-public$sfx" && has "nginx$sfx" && echo "  c=$c: gateway-public req/s / nginx req/s = $(awk -v a="${R_RPS[gateway-public$sfx]}" -v b="${R_RPS[nginx$sfx]}" 'BEGIN { printf "%.2f", a / b }')"
    has "gateway$sfx" && has "gateway-public$sfx" && echo "  c=$c: gateway CPU per request: JWT route ${R_PROXY[gateway$sfx]} us, public route ${R_PROXY[gateway-public$sfx]} us (authentication, scope, rate limit: $(awk -v a="${R_PROXY[gateway$sfx]}" -v b="${R_PROXY[gateway-public$sfx]}" 'BEGIN { printf "%.1f", a - b }') us)"
    has "gateway$sfx" && has "nginx$sfx" && echo "  c=$c: proxy CPU per request: gateway ${R_PROXY[gateway$sfx]} us, nginx ${R_PROXY[nginx$sfx]} us"
  done
  echo
  echo "Machine CPU during the measured runs (of $(nproc) cores):"
  for run in "${RUNS[@]}"; do echo "  $run: ${R_MACHINE[$run]}"; done
  echo "Gateway GC time per request (jstat GCT):$(for run in "${RUNS[@]}"; do [ "${R_GC[$run]}" != "-" ] && printf ' %s %s us;' "$run" "${R_GC[$run]}"; done)"
} >"$OUT/summary.txt"
cat "$OUT/summary.txt"

if (( FAILED )); then exit 1; fi
if (( MISSED )) && [ "$BENCH_STRICT" = 1 ]; then exit 1; fi
exit 0
