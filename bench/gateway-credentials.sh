#!/usr/bin/env bash
# Gateway throughput by credential kind: GET /api/v1/deployments through the gateway to the same echo
# upstream, in one run, with
#   jwt      Authorization: Bearer <JWT access token of a user login>  (verified in-process)
#   pat      Authorization: Bearer dfpat_...                           (opaque: introspection, cached)
#   api_key  X-API-Key: sk_live_...                                    (opaque: introspection, cached)
# It starts its own echo-upstream, auth-service (own database, dropped and recreated; random FORGE_KEK),
# token-introspection-service (same database and KEK) and gateway (FORGE_GATEWAY_CLIENT_ID/SECRET = the
# bootstrap admin, which holds scope introspect; FORGE_GATEWAY_RATE_LIMIT so high it never throttles),
# all from the packaged jars on ports of their own; Redis is the real one on 127.0.0.1:6379.
# Setup: a user with scope deployment:read (POST /admin/users with the bootstrap admin's token), logged
# in (POST /auth/login: access_token), then POST /auth/tokens and POST /auth/api-keys with that login
# token. Each credential is checked once with curl (200, and the echo saw x-auth-token-type jwt / pat /
# api_key). Then a wrk warm-up per credential (JIT, fills the caches), then per credential a measured wrk run: req/s,
# p50/p90/p99, non-2xx, CPU per request of the gateway, the introspection service and the echo, the
# number of introspection requests the introspection service served during the run (from its
# /q/metrics) and Redis commands (INFO stats of the shared Redis: includes anyone else's).
# Summary: a table and the targets (PAT and API key req/s each >= 0.8 x the JWT's).
# Everything it started is stopped on exit; the bench database is dropped.
#
# Usage:   bench/gateway-credentials.sh
# Env:     WARMUP=8s  DURATION=20s  CONNECTIONS=64  THREADS=2  CREDS="jwt pat api_key"
#          GATEWAY_JAVA_OPTS="-Xms64m -Xmx64m -XX:+UseSerialGC -XX:MaxDirectMemorySize=64m -XX:ReservedCodeCacheSize=64m"
#                              (as bench/gateway.sh)   GATEWAY_MALLOC_ARENA_MAX=2
#          ECHO_JAVA_OPTS=""  AUTH_JAVA_OPTS=""  INTRO_JAVA_OPTS=""
#          GATEWAY_BUILD_ROOT=""   take the gateway's jar from <dir>/gateway/target/quarkus-app instead of
#                                  this tree's (e.g. a build of an earlier commit: git archive <rev> | tar
#                                  -x -C <dir>; cd <dir>; ./mvnw -q -o package -DskipTests -pl gateway -am)
#          BENCH_ECHO_PORT=18590  BENCH_AUTH_PORT=18591  BENCH_INTROSPECTION_PORT=18592  BENCH_GATEWAY_PORT=18593
#          BENCH_DB=forgeauth_bench_gwcred   BENCH_TRUSTED_PROXIES="127.0.0.1,[::1]"
#          BENCH_OUT=<dir>  (default: a new /tmp/gateway-credentials-bench.XXXXXX)
#          BENCH_STRICT=1   exit 1 when a target is missed (default: only on errors/non-2xx)
#          FORGE_PG_HOST/PORT/USER/PASSWORD, FORGE_REDIS_HOST/PORT as for the services themselves
# Needs:   wrk (apt-get install -y wrk), java 17, psql, curl, a running PostgreSQL and Redis
#          (redis-cli optional: Redis command counts).
set -euo pipefail
{ # the whole script is one block, so bash parses it all before running (safe against edits mid-run)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR="$ROOT/bench"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

DURATION=$(secs "${DURATION:-20s}")
WARMUP=$(secs "${WARMUP:-8s}")
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
CREDS=${CREDS:-"jwt pat api_key"}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS-"-Xms64m -Xmx64m -XX:+UseSerialGC -XX:MaxDirectMemorySize=64m -XX:ReservedCodeCacheSize=64m"}
GATEWAY_MALLOC_ARENA_MAX=${GATEWAY_MALLOC_ARENA_MAX-2}
ECHO_JAVA_OPTS=${ECHO_JAVA_OPTS:-}
AUTH_JAVA_OPTS=${AUTH_JAVA_OPTS:-}
INTRO_JAVA_OPTS=${INTRO_JAVA_OPTS:-}
GATEWAY_BUILD_ROOT=${GATEWAY_BUILD_ROOT:-}
ECHO_PORT=${BENCH_ECHO_PORT:-18590}
AUTH_PORT=${BENCH_AUTH_PORT:-18591}
INTRO_PORT=${BENCH_INTROSPECTION_PORT:-18592}
GW_PORT=${BENCH_GATEWAY_PORT:-18593}
DB=${BENCH_DB:-forgeauth_bench_gwcred}
BENCH_STRICT=${BENCH_STRICT:-0}
TRUSTED_PROXIES=${BENCH_TRUSTED_PROXIES:-"127.0.0.1,[::1]"}
ADMIN_ID=forge-admin
ADMIN_SECRET=forge-admin-secret
API_PATH=/api/v1/deployments
AUTH="http://127.0.0.1:$AUTH_PORT"

PG_HOST=${FORGE_PG_HOST:-127.0.0.1}
PG_PORT=${FORGE_PG_PORT:-5432}
PG_USER=${FORGE_PG_USER:-postgres}
export PGPASSWORD=${FORGE_PG_PASSWORD:-}
REDIS_HOST=${FORGE_REDIS_HOST:-127.0.0.1}
REDIS_PORT=${FORGE_REDIS_PORT:-6379}

TARGET_RATIO=0.8   # PAT req/s / JWT req/s, API key req/s / JWT req/s

for c in $CREDS; do case "$c" in jwt|pat|api_key) ;; *) die "CREDS: jwt, pat, api_key; not $c" ;; esac; done

ECHO_PID=""; AUTH_PID=""; INTRO_PID=""; GW_PID=""; APP_COPY=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$GW_PID" gateway; GW_PID=""
  stop_pid "$INTRO_PID" token-introspection-service; INTRO_PID=""
  stop_pid "$AUTH_PID" auth-service; AUTH_PID=""
  stop_pid "$ECHO_PID" echo-upstream; ECHO_PID=""
  psql_admin -c "drop database if exists $DB with (force)" >/dev/null 2>&1 || true
  [ -n "$APP_COPY" ] && rm -rf "$APP_COPY"
  [ -n "${OUT:-}" ] && log "logs kept in $OUT"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v wrk >/dev/null || die "wrk is required (apt-get install -y wrk)"
command -v java >/dev/null || die "java is required"
command -v psql >/dev/null || die "psql is required (apt-get install -y postgresql-client)"
command -v curl >/dev/null || die "curl is required"
psql_admin -c 'select 1' >/dev/null || die "cannot reach PostgreSQL at $PG_HOST:$PG_PORT as $PG_USER"
CLK_TCK=$(getconf CLK_TCK)

OUT=${BENCH_OUT:-$(mktemp -d /tmp/gateway-credentials-bench.XXXXXX)}
mkdir -p "$OUT"

MODULES="auth-service token-introspection-service gateway echo-upstream"
JARS_OK=1
for m in $MODULES; do [ -f "$ROOT/$m/target/quarkus-app/quarkus-run.jar" ] || JARS_OK=0; done
if [ "$JARS_OK" = 0 ]; then
  log "building the services (jar missing)"
  (cd "$ROOT" && ./mvnw -B -q package -DskipTests -pl auth-service,token-introspection-service,gateway,echo-upstream -am) || die "build failed"
fi
# private copies, so a concurrent rebuild of target/ cannot change the jars under the servers
APP_COPY=$(mktemp -d /tmp/gateway-credentials-app.XXXXXX)
for m in $MODULES; do
  src=$ROOT
  [ "$m" = gateway ] && [ -n "$GATEWAY_BUILD_ROOT" ] && src=$GATEWAY_BUILD_ROOT
  [ -f "$src/$m/target/quarkus-app/quarkus-run.jar" ] || die "no $src/$m/target/quarkus-app/quarkus-run.jar"
  mkdir -p "$APP_COPY/$m"
  cp -a "$src/$m/target/quarkus-app/." "$APP_COPY/$m/"
  log "jar: $m from $src (built $(date -u -r "$src/$m/target/quarkus-app/quarkus-run.jar" '+%Y-%m-%d %H:%M:%SZ'))"
done
GIT_INFO="git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
for p in "$ECHO_PORT" "$AUTH_PORT" "$INTRO_PORT" "$GW_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    die "something already listens on port $p; set BENCH_ECHO_PORT/BENCH_AUTH_PORT/BENCH_INTROSPECTION_PORT/BENCH_GATEWAY_PORT"
  fi
done

# ---------------------------------------------------------------------------------------------------
machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $9; exit }' /proc/stat; }
introspections() { # requests the introspection service has served on /oauth/introspect (its /q/metrics)
  curl -s --max-time 5 "http://127.0.0.1:$INTRO_PORT/q/metrics" \
    | awk '/^http_server_requests_seconds_count\{/ && /introspect/ { n += $NF } END { printf "%d", n }'
}
redis_commands() { # total_commands_processed of the (shared) Redis, or "" without redis-cli
  command -v redis-cli >/dev/null 2>&1 || { echo ""; return; }
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" info stats 2>/dev/null | tr -d '\r' | sed -n 's/^total_commands_processed://p'
}

await_ready() { # name url pid logfile
  local deadline=$((SECONDS + 120))
  until curl -sf -o /dev/null --max-time 2 "$2"; do
    kill -0 "$3" 2>/dev/null || { tail -n 40 "$4" >&2; die "$1 exited during start (log: $4)"; }
    (( SECONDS < deadline )) || { tail -n 40 "$4" >&2; die "$1 not ready after 120 s (log: $4)"; }
    sleep 0.5
  done
  log "$1 ready (pid $3)"
}

start_all() {
  local kek arena=()
  kek=$(head -c32 /dev/urandom | base64)
  psql_admin -c "drop database if exists $DB with (force)" >/dev/null
  psql_admin -c "create database $DB" >/dev/null

  log "starting echo-upstream on port $ECHO_PORT"
  # shellcheck disable=SC2086
  FORGE_ECHO_PORT="$ECHO_PORT" QUARKUS_HTTP_HOST=127.0.0.1 \
    java $ECHO_JAVA_OPTS -jar "$APP_COPY/echo-upstream/quarkus-run.jar" >"$OUT/echo-upstream.log" 2>&1 &
  ECHO_PID=$!

  log "starting auth-service on port $AUTH_PORT, database $DB"
  # shellcheck disable=SC2086
  FORGE_KEK="$kek" \
  FORGE_BOOTSTRAP_CLIENT_ID="$ADMIN_ID" FORGE_BOOTSTRAP_CLIENT_SECRET="$ADMIN_SECRET" \
  FORGE_AUTH_PORT="$AUTH_PORT" FORGE_PG_DATABASE="$DB" FORGE_KEYS_PUBLISH_DELAY=0s \
  FORGE_TRUSTED_PROXIES="$TRUSTED_PROXIES" QUARKUS_HTTP_HOST=127.0.0.1 \
    java $AUTH_JAVA_OPTS -jar "$APP_COPY/auth-service/quarkus-run.jar" >"$OUT/auth-service.log" 2>&1 &
  AUTH_PID=$!
  await_ready echo-upstream "http://127.0.0.1:$ECHO_PORT/q/health/ready" "$ECHO_PID" "$OUT/echo-upstream.log"
  await_ready auth-service "$AUTH/q/health/ready" "$AUTH_PID" "$OUT/auth-service.log"

  log "starting token-introspection-service on port $INTRO_PORT (same database and KEK)"
  # shellcheck disable=SC2086
  FORGE_KEK="$kek" FORGE_JWKS_URL="$AUTH/oauth/jwks" \
  FORGE_INTROSPECTION_PORT="$INTRO_PORT" FORGE_PG_DATABASE="$DB" \
  FORGE_TRUSTED_PROXIES="$TRUSTED_PROXIES" QUARKUS_HTTP_HOST=127.0.0.1 \
    java $INTRO_JAVA_OPTS -jar "$APP_COPY/token-introspection-service/quarkus-run.jar" >"$OUT/introspection.log" 2>&1 &
  INTRO_PID=$!
  await_ready token-introspection-service "http://127.0.0.1:$INTRO_PORT/q/health/ready" "$INTRO_PID" "$OUT/introspection.log"

  log "starting gateway on port $GW_PORT, GATEWAY_JAVA_OPTS='$GATEWAY_JAVA_OPTS' MALLOC_ARENA_MAX=${GATEWAY_MALLOC_ARENA_MAX:-default}"
  [ -n "$GATEWAY_MALLOC_ARENA_MAX" ] && arena=("MALLOC_ARENA_MAX=$GATEWAY_MALLOC_ARENA_MAX")
  # shellcheck disable=SC2086
  FORGE_GATEWAY_PORT="$GW_PORT" QUARKUS_HTTP_HOST=127.0.0.1 \
  FORGE_AUTH_URL="$AUTH" FORGE_JWKS_URL="$AUTH/oauth/jwks" \
  FORGE_INTROSPECTION_URL="http://127.0.0.1:$INTRO_PORT" \
  FORGE_ECHO_URL="http://127.0.0.1:$ECHO_PORT" \
  FORGE_GATEWAY_CLIENT_ID="$ADMIN_ID" FORGE_GATEWAY_CLIENT_SECRET="$ADMIN_SECRET" \
  FORGE_GATEWAY_RATE_LIMIT=100000000 \
    env "${arena[@]}" java $GATEWAY_JAVA_OPTS -jar "$APP_COPY/gateway/quarkus-run.jar" >"$OUT/gateway.log" 2>&1 &
  GW_PID=$!
  await_ready gateway "http://127.0.0.1:$GW_PORT/q/health/ready" "$GW_PID" "$OUT/gateway.log"
}

post_json() { # url json bearer -> "body\ncode"
  curl -s -w '\n%{http_code}' -H 'Content-Type: application/json' -H 'Accept: application/json' \
    ${3:+-H "Authorization: Bearer $3"} -d "$2" "$1"
}
expect_2xx() { # what "body\ncode" -> body
  local code=${2##*$'\n'}
  case "$code" in 2??) printf '%s' "${2%$'\n'*}" ;; *) die "$1 answered $code: ${2%$'\n'*}" ;; esac
}

declare -A HNAME HVALUE
make_credentials() {
  local r admin email password login pat key run_id
  admin=$(json_str access_token "$(expect_2xx 'POST /oauth/token (admin)' \
    "$(curl -s -w '\n%{http_code}' -u "$ADMIN_ID:$ADMIN_SECRET" -d grant_type=client_credentials "$AUTH/oauth/token")")")
  run_id=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
  email="bench-$run_id@gateway-credentials.example"
  password="copper-$run_id-meadow-7"
  expect_2xx 'POST /admin/users' "$(post_json "$AUTH/admin/users" \
    "{\"email\":\"$email\",\"password\":\"$password\",\"scopes\":[\"deployment:read\"]}" "$admin")" >/dev/null
  r=$(expect_2xx 'POST /auth/login' "$(post_json "$AUTH/auth/login" "{\"email\":\"$email\",\"password\":\"$password\"}")")
  login=$(json_str access_token "$r")
  [ -n "$login" ] || die "no access_token in the login answer: $r"
  r=$(expect_2xx 'POST /auth/tokens' "$(post_json "$AUTH/auth/tokens" '{"name":"bench"}' "$login")")
  pat=$(json_str token "$r")
  [[ "$pat" == dfpat_* ]] || die "no dfpat_ token in: $r"
  r=$(expect_2xx 'POST /auth/api-keys' "$(post_json "$AUTH/auth/api-keys" '{"name":"bench"}' "$login")")
  key=$(json_str key "$r")
  [[ "$key" == sk_live_* ]] || die "no sk_live_ key in: $r"
  HNAME[jwt]=Authorization;    HVALUE[jwt]="Bearer $login"
  HNAME[pat]=Authorization;    HVALUE[pat]="Bearer $pat"
  HNAME[api_key]=X-API-Key;    HVALUE[api_key]="$key"
  log "user $email: login JWT (${#login} chars), PAT ${pat:0:10}…, API key ${key:0:12}…"
}

check_credentials() {
  local c r code body type
  for c in $CREDS; do
    r=$(curl -s -w '\n%{http_code}' -H 'Accept: application/json' -H "${HNAME[$c]}: ${HVALUE[$c]}" "http://127.0.0.1:$GW_PORT$API_PATH")
    code=${r##*$'\n'}; body=${r%$'\n'*}
    [ "$code" = 200 ] || die "$c: GET $API_PATH through the gateway answered $code: $body"
    type=$(json_str x-auth-token-type "$body")
    [ "$type" = "$c" ] || die "$c: the echo saw x-auth-token-type '$type', not '$c': $body"
    grep -q '"x-auth-scopes":"[^"]*deployment:read' <<<"$body" || die "$c: the echo did not see deployment:read in x-auth-scopes: $body"
    printf '%s\n' "$body" >"$OUT/check-$c.json"
    log "$c: 200, echo saw x-auth-token-type=$type x-auth-subject=$(json_str x-auth-subject "$body")"
  done
}

run_wrk() { # label cred duration -> prints the WRK line
  local label=$1 c=$2 dur=$3 TIMEFORMAT='%U %S'
  { time BENCH_HEADER_NAME="${HNAME[$c]}" BENCH_HEADER_VALUE="${HVALUE[$c]}" \
      wrk -t"$THREADS" -c"$CONNECTIONS" -d"$dur" --latency -s "$BENCH_DIR/gateway-credentials-request.lua" \
      "http://127.0.0.1:$GW_PORT$API_PATH" >"$OUT/wrk-$label.txt" 2>&1; } 2>"$OUT/wrk-$label.cpu" \
    || { cat "$OUT/wrk-$label.txt" >&2; die "wrk failed"; }
  grep '^WRK ' "$OUT/wrk-$label.txt" || die "no summary from wrk (see $OUT/wrk-$label.txt)"
}

declare -A R_RPS R_P50 R_P90 R_P99 R_NON2XX R_GW R_INTRO R_ECHO R_WRK R_ICALLS R_REDIS R_MACHINE R_OTHER
FAILED=0
measure() { # cred
  local c=$1 line req t0 t1 i0 i1 e0 e1 m0 m1 s0 s1 w0 w1 n0 n1 d0 d1 wrk_cpu
  log "$c: measuring $DURATION at $CONNECTIONS connections, $THREADS threads"
  n0=$(introspections); d0=$(redis_commands)
  read -r m0 s0 < <(machine_ticks)
  t0=$(proc_ticks "$GW_PID"); i0=$(proc_ticks "$INTRO_PID"); e0=$(proc_ticks "$ECHO_PID")
  w0=$(date +%s.%N)
  line=$(run_wrk "$c" "$c" "$DURATION")
  w1=$(date +%s.%N)
  t1=$(proc_ticks "$GW_PID"); i1=$(proc_ticks "$INTRO_PID"); e1=$(proc_ticks "$ECHO_PID")
  read -r m1 s1 < <(machine_ticks)
  n1=$(introspections); d1=$(redis_commands)
  sed -n '/Latency Distribution/,/requests in/p' "$OUT/wrk-$c.txt" | sed 's/^/    /' >&2
  req=$(kv requests "$line")
  (( req > 0 )) || die "$c: wrk completed no request"
  R_RPS[$c]=$(kv rps "$line")
  R_P50[$c]=$(kv p50_ms "$line"); R_P90[$c]=$(kv p90_ms "$line"); R_P99[$c]=$(kv p99_ms "$line")
  R_NON2XX[$c]=$(( $(kv non2xx "$line") + $(kv socket_errors "$line") ))
  R_GW[$c]=$(awk -v d=$((t1 - t0)) -v t="$CLK_TCK" -v n="$req" 'BEGIN { printf "%.1f", d / t * 1e6 / n }')
  R_INTRO[$c]=$(awk -v d=$((i1 - i0)) -v t="$CLK_TCK" -v n="$req" 'BEGIN { printf "%.1f", d / t * 1e6 / n }')
  R_ECHO[$c]=$(awk -v d=$((e1 - e0)) -v t="$CLK_TCK" -v n="$req" 'BEGIN { printf "%.1f", d / t * 1e6 / n }')
  wrk_cpu=$(awk '{ print $1 + $2 }' "$OUT/wrk-$c.cpu")
  R_WRK[$c]=$(awk -v w="$wrk_cpu" -v n="$req" 'BEGIN { printf "%.1f", w * 1e6 / n }')
  R_ICALLS[$c]=$(( n1 - n0 ))
  if [ -n "$d0" ] && [ -n "$d1" ]; then
    R_REDIS[$c]=$(awk -v a="$d0" -v b="$d1" -v s="$w0" -v e="$w1" 'BEGIN { printf "%.0f", (b - a) / (e - s) }')
  else
    R_REDIS[$c]="n/a"
  fi
  R_MACHINE[$c]=$(awk -v m=$((m1 - m0)) -v st=$((s1 - s0)) -v gw=$((t1 - t0)) -v in_=$((i1 - i0)) -v ec=$((e1 - e0)) -v w="$wrk_cpu" \
    -v t="$CLK_TCK" -v a="$w0" -v b="$w1" 'BEGIN { d = b - a;
      printf "gateway %.2f, introspection %.2f, echo %.2f, wrk %.2f, everything else (other processes, kernel softirq) %.2f, steal %.2f cores",
        gw / t / d, in_ / t / d, ec / t / d, w / d, (m - gw - in_ - ec) / t / d - w / d, st / t / d }')
  R_OTHER[$c]=$(awk -v m=$((m1 - m0)) -v gw=$((t1 - t0)) -v in_=$((i1 - i0)) -v ec=$((e1 - e0)) -v w="$wrk_cpu" -v t="$CLK_TCK" \
    -v a="$w0" -v b="$w1" 'BEGIN { d = b - a; printf "%.2f", (m - gw - in_ - ec) / t / d - w / d }')
  log "$c: $line"
  log "$c: CPU per request: gateway ${R_GW[$c]} us, introspection ${R_INTRO[$c]} us, echo ${R_ECHO[$c]} us, wrk ${R_WRK[$c]} us;" \
    "introspection requests during the run: ${R_ICALLS[$c]}; Redis commands/s (shared Redis): ${R_REDIS[$c]}"
  log "$c: machine: ${R_MACHINE[$c]}"
  if (( R_NON2XX[$c] != 0 )); then
    log "$c: FAIL: ${R_NON2XX[$c]} non-2xx responses or socket errors (see $OUT/wrk-$c.txt)"
    FAILED=1
  fi
}

# ---------------------------------------------------------------------------------------------------
log "output: $OUT"
{
  echo "date: $(date -u)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "nproc: $(nproc)   cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)   mem: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  java -version 2>&1 | head -1
  echo "jars: $GIT_INFO${GATEWAY_BUILD_ROOT:+; gateway from $GATEWAY_BUILD_ROOT}"
  echo "wrk: -t$THREADS -c$CONNECTIONS -d$DURATION (warm-up $WARMUP per credential), CREDS='$CREDS'"
  echo "GATEWAY_JAVA_OPTS='$GATEWAY_JAVA_OPTS' GATEWAY_MALLOC_ARENA_MAX='$GATEWAY_MALLOC_ARENA_MAX', Redis $REDIS_HOST:$REDIS_PORT"
} | tee "$OUT/machine.txt"

start_all
make_credentials
check_credentials
# Warm up every credential first, then measure them all: the gateway and echo JVMs are shared by the
# three runs, so measuring each right after its own warm-up favours whichever runs last (JIT).
for c in $CREDS; do
  log "$c: warm-up $WARMUP at $CONNECTIONS connections"
  log "$c: warm-up: $(run_wrk "$c-warmup" "$c" "$WARMUP")"
done
curl -s --max-time 5 "http://127.0.0.1:$INTRO_PORT/q/metrics" >"$OUT/introspection-metrics-before.txt" || true
for c in $CREDS; do
  measure "$c"
done
curl -s --max-time 5 "http://127.0.0.1:$INTRO_PORT/q/metrics" >"$OUT/introspection-metrics-after.txt" || true
curl -s --max-time 5 "http://127.0.0.1:$GW_PORT/q/metrics" >"$OUT/gateway-metrics-after.txt" || true

# ---------------------------------------------------------------------------------------------------
MISSED=0
check() { local v=met; if [ "$2" != 1 ]; then v=MISSED; MISSED=1; fi; printf '  %-50s %-6s (%s)\n' "$1:" "$v" "$3"; }
{
  echo
  echo "Gateway by credential: GET $API_PATH -> echo, wrk -t$THREADS -c$CONNECTIONS -d$DURATION (warm-up $WARMUP per credential)"
  printf '| %-7s | %8s | %6s | %6s | %6s | %6s | %10s | %10s | %9s | %9s | %14s | %12s |\n' credential "req/s" "p50 ms" "p90 ms" "p99 ms" non2xx "gw us/req" "intro us/req" "echo us/req" "wrk us/req" "introspections" "Redis cmd/s"
  echo "|------------|----------|--------|--------|--------|--------|------------|--------------|-------------|------------|----------------|--------------|"
  for c in $CREDS; do
    printf '| %-10s | %8.0f | %6.2f | %6.2f | %6.2f | %6s | %10s | %12s | %11s | %10s | %14s | %12s |\n' "$c" "${R_RPS[$c]}" \
      "${R_P50[$c]}" "${R_P90[$c]}" "${R_P99[$c]}" "${R_NON2XX[$c]}" "${R_GW[$c]}" "${R_INTRO[$c]}" "${R_ECHO[$c]}" "${R_WRK[$c]}" "${R_ICALLS[$c]}" "${R_REDIS[$c]}"
  done
  echo "(us/req: CPU time, user+sys, of that process per request; introspections: requests served by the"
  echo " introspection service during the measured run; Redis cmd/s: the shared Redis, anyone's commands)"
  echo
  echo "Targets:"
  if [ -n "${R_RPS[jwt]:-}" ]; then
    for c in pat api_key; do
      [ -n "${R_RPS[$c]:-}" ] || continue
      ratio=$(awk -v a="${R_RPS[$c]}" -v b="${R_RPS[jwt]}" 'BEGIN { printf "%.2f", a / b }')
      check "$c req/s / jwt req/s >= $TARGET_RATIO" "$(awk -v r="$ratio" -v t="$TARGET_RATIO" 'BEGIN { print (r >= t) }')" \
        "$(printf '%.0f / %.0f = %s' "${R_RPS[$c]}" "${R_RPS[jwt]}" "$ratio")"
    done
  fi
  nz=0; for c in $CREDS; do nz=$(( nz + R_NON2XX[$c] )); done
  check "non-2xx responses and socket errors == 0" "$(( nz == 0 ))" "$nz"
  echo
  echo "Machine CPU during the measured runs (of $(nproc) cores):"
  for c in $CREDS; do echo "  $c: ${R_MACHINE[$c]}"; done
} >"$OUT/summary.txt"
cat "$OUT/summary.txt"

if (( FAILED )); then exit 1; fi
if (( MISSED )) && [ "$BENCH_STRICT" = 1 ]; then exit 1; fi
exit 0
}
