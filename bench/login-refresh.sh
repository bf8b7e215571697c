#!/usr/bin/env bash
# Password login and refresh-token rotation throughput of the auth-service.
#
# It starts its own auth-service (own database, dropped and recreated; own port; random FORGE_KEK) from
# the packaged jar, then:
#   (a) logins/s: creates USERS users through the admin API (bootstrap admin client ->
#       POST /admin/users {email,password,scopes}), then wrk POST /auth/login {email,password} cycling
#       through them (bench/login-refresh-login.lua) at LOGIN_CONNECTIONS connections. Every login
#       hashes the password with Argon2id (19 MiB, t=2, p=1: PasswordHasher), starts a session (rows in
#       PostgreSQL) and signs an RS256 access token. Failures only are throttled (per account and per
#       address), so successful logins must never see a 429: the per-status counts are printed.
#   (b) refreshes/s: POST /auth/refresh {refresh_token}. Each refresh rotates the token, so the Lua
#       script (bench/login-refresh-refresh.lua) keeps the live tokens: POOL sessions are logged in
#       beforehand (one fresh pool for the warm-up and one for the measurement, since a wrk run cannot
#       hand its rotated tokens to the next), every token is used exactly once and its successor, parsed
#       from the answer, goes back to the pool. Any non-2xx (400 = the rotation chain broke) is a failure.
# Each phase: a wrk warm-up, then a measured wrk run: req/s, p50/p90/p99, non-2xx, statuses, and the
# server's CPU per request (utime+stime of the server process from /proc/<pid>/stat), plus the CPU of
# the PostgreSQL backends serving the bench database and where the machine's CPU went.
# Everything it started is stopped on exit, whatever happens; the bench database is dropped.
#
# Usage:   bench/login-refresh.sh
# Env:     WARMUP=8s  DURATION=20s  THREADS=2
#          USERS=50  LOGIN_CONNECTIONS=16
#          POOL=64  REFRESH_CONNECTIONS=32   (POOL >= REFRESH_CONNECTIONS: a session per connection)
#          PHASES="login refresh"
#          (wrk runs with --timeout 10s: a login queued behind others' Argon2 can take over wrk's
#          default 2 s on a loaded machine, and would count as a socket error, not as a latency)
#          JAVA_OPTS=""   extra JVM flags for the auth-service
#          BENCH_PORT=18481  BENCH_DB=forgeauth_bench_login
#          BENCH_TRUSTED_PROXIES="127.0.0.1,[::1]"  passed as FORGE_TRUSTED_PROXIES (see token-issuance.sh)
#          BENCH_OUT=<dir>  (default: a new /tmp/login-refresh-bench.XXXXXX)
#          BENCH_STRICT=1   exit 1 when a target is missed (default: only on errors/non-2xx)
#          FORGE_PG_HOST/PORT/USER/PASSWORD, FORGE_REDIS_HOST/PORT as for the service itself
# Needs:   wrk (apt-get install -y wrk), java 17, psql, curl, a running PostgreSQL and Redis.
set -euo pipefail
{ # the whole script is one block, so bash parses it all before running (safe against edits mid-run)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR="$ROOT/bench"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
export BENCH_DIR

DURATION=$(secs "${DURATION:-20s}")
WARMUP=$(secs "${WARMUP:-8s}")
THREADS=${THREADS:-2}
USERS=${USERS:-50}
LOGIN_CONNECTIONS=${LOGIN_CONNECTIONS:-16}
POOL=${POOL:-64}
REFRESH_CONNECTIONS=${REFRESH_CONNECTIONS:-32}
PHASES=${PHASES:-"login refresh"}
JAVA_OPTS=${JAVA_OPTS:-}
PORT=${BENCH_PORT:-18481}
DB=${BENCH_DB:-forgeauth_bench_login}
BENCH_STRICT=${BENCH_STRICT:-0}
TRUSTED_PROXIES=${BENCH_TRUSTED_PROXIES:-"127.0.0.1,[::1]"}
CLIENT_ID=forge-admin
CLIENT_SECRET=forge-admin-secret
BASE="http://127.0.0.1:$PORT"

PG_HOST=${FORGE_PG_HOST:-127.0.0.1}
PG_PORT=${FORGE_PG_PORT:-5432}
PG_USER=${FORGE_PG_USER:-postgres}
export PGPASSWORD=${FORGE_PG_PASSWORD:-}

# targets and published references
TARGET_REFRESH_RPS=500
KEYCLOAK_LOGINS_PER_VCPU=15      # Keycloak sizing guide: password-based user logins per second per vCPU
KEYCLOAK_REFRESH_PER_VCPU=120    # Keycloak sizing guide: refresh-token requests per second per vCPU

(( POOL >= REFRESH_CONNECTIONS )) || die "POOL ($POOL) must be >= REFRESH_CONNECTIONS ($REFRESH_CONNECTIONS)"

SERVER_PID=""
APP_COPY=""
stop_server() {
  local pid=$SERVER_PID
  SERVER_PID=""
  stop_pid "$pid" server
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_server
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

OUT=${BENCH_OUT:-$(mktemp -d /tmp/login-refresh-bench.XXXXXX)}
mkdir -p "$OUT"

JAR="$ROOT/auth-service/target/quarkus-app/quarkus-run.jar"
if [ ! -f "$JAR" ]; then
  log "building auth-service (jar missing)"
  (cd "$ROOT" && ./mvnw -B -q package -DskipTests -pl auth-service -am) || die "build failed"
fi
# a private copy, so a concurrent rebuild of target/ cannot change the jar under the server
APP_COPY=$(mktemp -d /tmp/login-refresh-app.XXXXXX)
cp -a "$ROOT/auth-service/target/quarkus-app/." "$APP_COPY/"
JAR_INFO="built $(date -u -r "$JAR" '+%Y-%m-%d %H:%M:%SZ'); git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && die "something already listens on port $PORT; set BENCH_PORT"

# ---------------------------------------------------------------------------------------------------
machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $9; exit }' /proc/stat; }
pg_backends() { # the PostgreSQL backend processes connected to the bench database
  psql_admin -c "select pid from pg_stat_activity where datname = '$DB'" | tr '\n' ' '
}

start_server() {
  local kek
  psql_admin -c "drop database if exists $DB with (force)" >/dev/null
  psql_admin -c "create database $DB" >/dev/null
  kek=$(head -c32 /dev/urandom | base64)
  log "starting auth-service on port $PORT, database $DB, JAVA_OPTS='$JAVA_OPTS'"
  # shellcheck disable=SC2086
  FORGE_KEK="$kek" \
  FORGE_BOOTSTRAP_CLIENT_ID="$CLIENT_ID" FORGE_BOOTSTRAP_CLIENT_SECRET="$CLIENT_SECRET" \
  FORGE_AUTH_PORT="$PORT" FORGE_PG_DATABASE="$DB" FORGE_KEYS_PUBLISH_DELAY=0s \
  FORGE_TRUSTED_PROXIES="$TRUSTED_PROXIES" QUARKUS_HTTP_HOST=127.0.0.1 \
    java $JAVA_OPTS -jar "$APP_COPY/quarkus-run.jar" >"$OUT/auth-service.log" 2>&1 &
  SERVER_PID=$!
  local deadline=$((SECONDS + 120))
  until curl -sf -o /dev/null --max-time 2 "$BASE/q/health/ready"; do
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 40 "$OUT/auth-service.log" >&2; die "auth-service exited during start"; }
    (( SECONDS < deadline )) || { tail -n 40 "$OUT/auth-service.log" >&2; die "auth-service not ready after 120 s"; }
    sleep 0.5
  done
  log "auth-service ready (pid $SERVER_PID)"
}

post_json() { # path json [bearer] -> "body\ncode"
  if [ -n "${3:-}" ]; then
    curl -s -w '\n%{http_code}' -H 'Content-Type: application/json' -H "Authorization: Bearer $3" -d "$2" "$BASE$1"
  else
    curl -s -w '\n%{http_code}' -H 'Content-Type: application/json' -d "$2" "$BASE$1"
  fi
}

login_refresh_token() { # n -> prints the refresh token of a fresh login of user (n % USERS)
  local k=$(( $1 % USERS )) r code body
  r=$(post_json /auth/login "$(sed -n "$((k + 1))p" "$OUT/login-bodies.txt")")
  code=${r##*$'\n'}; body=${r%$'\n'*}
  [ "$code" = 200 ] || { log "login for the pool answered $code: $body"; return 1; }
  json_str refresh_token "$body"
}

make_pool() { # file: POOL fresh login sessions, one refresh token per line (8 logins at a time)
  local i j pids
  : >"$1"
  for ((i = 0; i < POOL; i += 8)); do
    pids=()
    for ((j = i; j < i + 8 && j < POOL; j++)); do
      login_refresh_token "$j" >"$1.$j" &
      pids+=($!)
    done
    wait "${pids[@]}" || true   # only these: a bare wait would also wait for the server
  done
  for ((j = 0; j < POOL; j++)); do cat "$1.$j" >>"$1"; rm -f "$1.$j"; done
  [ "$(grep -c '^df_rt_' "$1")" = "$POOL" ] || die "could not log in $POOL sessions for the refresh pool ($1)"
}

run_wrk() { # label script conns duration [env...] -> prints the WRK and STATUS lines
  local label=$1 script=$2 conns=$3 dur=$4 TIMEFORMAT='%U %S'
  shift 4
  { time env "$@" BENCH_THREADS="$THREADS" wrk -t"$THREADS" -c"$conns" -d"$dur" --timeout 10s --latency -s "$BENCH_DIR/$script" \
      -H 'Accept: application/json' "$URL" >"$OUT/wrk-$label.txt" 2>&1; } 2>"$OUT/wrk-$label.cpu" \
    || { cat "$OUT/wrk-$label.txt" >&2; die "wrk failed"; }
  grep -E '^(WRK|STATUS) ' "$OUT/wrk-$label.txt" | tr '\n' ' ' || die "no summary from wrk (see $OUT/wrk-$label.txt)"
  echo
}

declare -A R_RPS R_P50 R_P90 R_P99 R_NON2XX R_STATUS R_CPU R_PG R_MACHINE R_CONNS R_REQ
FAILED=0
measure() { # phase script conns env...
  local phase=$1 script=$2 conns=$3 line pgpids t0 t1 p0 p1 m0 m1 s0 s1 w0 w1 req wrk_cpu
  shift 3
  pgpids=$(pg_backends)
  log "$phase: measuring $DURATION at $conns connections, $THREADS threads"
  read -r m0 s0 < <(machine_ticks)
  t0=$(proc_ticks "$SERVER_PID")
  # shellcheck disable=SC2086
  p0=$(proc_ticks $pgpids)
  w0=$(date +%s.%N)
  line=$(run_wrk "$phase" "$script" "$conns" "$DURATION" "$@")
  w1=$(date +%s.%N)
  t1=$(proc_ticks "$SERVER_PID")
  # shellcheck disable=SC2086
  p1=$(proc_ticks $pgpids)
  read -r m1 s1 < <(machine_ticks)
  sed -n '/Latency Distribution/,/requests in/p' "$OUT/wrk-$phase.txt" | sed 's/^/    /' >&2
  req=$(kv requests "$line")
  (( req > 0 )) || die "$phase: wrk completed no request"
  R_REQ[$phase]=$req
  R_CONNS[$phase]=$conns
  R_RPS[$phase]=$(kv rps "$line")
  R_P50[$phase]=$(kv p50_ms "$line"); R_P90[$phase]=$(kv p90_ms "$line"); R_P99[$phase]=$(kv p99_ms "$line")
  R_NON2XX[$phase]=$(( $(kv non2xx "$line") + $(kv socket_errors "$line") ))
  R_STATUS[$phase]=$(sed -n 's/.*STATUS \(.*\)/\1/p' <<<"$line" | sed 's/ *$//')
  R_CPU[$phase]=$(awk -v d=$((t1 - t0)) -v t="$CLK_TCK" -v n="$req" 'BEGIN { printf "%.2f", d / t * 1000 / n }')
  R_PG[$phase]=$(awk -v d=$((p1 - p0)) -v t="$CLK_TCK" -v n="$req" 'BEGIN { printf "%.2f", d / t * 1000 / n }')
  wrk_cpu=$(awk '{ print $1 + $2 }' "$OUT/wrk-$phase.cpu")
  R_MACHINE[$phase]=$(awk -v m=$((m1 - m0)) -v st=$((s1 - s0)) -v srv=$((t1 - t0)) -v pg=$((p1 - p0)) -v w="$wrk_cpu" \
    -v t="$CLK_TCK" -v a="$w0" -v b="$w1" 'BEGIN { d = b - a;
      printf "auth-service %.2f, its PostgreSQL backends %.2f, wrk %.2f, everything else (other processes, kernel softirq) %.2f, steal %.2f cores",
        srv / t / d, pg / t / d, w / d, (m - srv - pg) / t / d - w / d, st / t / d }')
  log "$phase: $line"
  log "$phase: CPU per request: auth-service ${R_CPU[$phase]} ms, PostgreSQL ${R_PG[$phase]} ms; machine: ${R_MACHINE[$phase]}"
  if (( R_NON2XX[$phase] != 0 )); then
    log "$phase: FAIL: ${R_NON2XX[$phase]} non-2xx responses or socket errors (statuses: ${R_STATUS[$phase]})"
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
  echo "auth-service jar: $JAR_INFO"
  echo "wrk: -t$THREADS -d$DURATION (warm-up $WARMUP); login: $USERS users, -c$LOGIN_CONNECTIONS; refresh: pool $POOL sessions, -c$REFRESH_CONNECTIONS; JAVA_OPTS='$JAVA_OPTS', FORGE_TRUSTED_PROXIES='$TRUSTED_PROXIES'"
} | tee "$OUT/machine.txt"

start_server

# the bootstrap admin's token, then the users
r=$(curl -s -w '\n%{http_code}' -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials "$BASE/oauth/token")
[ "${r##*$'\n'}" = 200 ] || die "admin token: ${r%$'\n'*}"
ADMIN=$(json_str access_token "${r%$'\n'*}")
RUN_ID=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
log "creating $USERS users through POST /admin/users"
: >"$OUT/login-bodies.txt"
for ((i = 0; i < USERS; i++)); do
  email="bench-$RUN_ID-$i@login-bench.example"
  password="amber-$RUN_ID-lantern-$i"
  r=$(post_json /admin/users "{\"email\":\"$email\",\"password\":\"$password\",\"scopes\":[\"deployment:read\"]}" "$ADMIN")
  code=${r##*$'\n'}
  [ "$code" = 201 ] || [ "$code" = 200 ] || die "POST /admin/users answered $code: ${r%$'\n'*}"
  printf '{"email":"%s","password":"%s"}\n' "$email" "$password" >>"$OUT/login-bodies.txt"
done
# one login by curl: 200 with a token pair
r=$(post_json /auth/login "$(head -1 "$OUT/login-bodies.txt")")
[ "${r##*$'\n'}" = 200 ] || die "POST /auth/login answered ${r##*$'\n'}: ${r%$'\n'*}"
grep -q '"refresh_token":"df_rt_' <<<"${r%$'\n'*}" || die "no refresh_token in the login answer: ${r%$'\n'*}"
log "sample login OK: $(sed 's/"\(access\|refresh\)_token":"[^"]*"/"\1_token":"…"/g' <<<"${r%$'\n'*}")"

for phase in $PHASES; do
  case "$phase" in
    login)
      URL="$BASE/auth/login"
      log "login: warm-up $WARMUP at $LOGIN_CONNECTIONS connections"
      log "login: warm-up: $(run_wrk login-warmup login-refresh-login.lua "$LOGIN_CONNECTIONS" "$WARMUP" BENCH_LOGIN_BODIES="$OUT/login-bodies.txt")"
      measure login login-refresh-login.lua "$LOGIN_CONNECTIONS" BENCH_LOGIN_BODIES="$OUT/login-bodies.txt"
      ;;
    refresh)
      URL="$BASE/auth/refresh"
      # one refresh by curl: 200, and a new refresh token
      rt=$(login_refresh_token 0) || die "login for the refresh check failed"
      r=$(post_json /auth/refresh "{\"refresh_token\":\"$rt\"}")
      [ "${r##*$'\n'}" = 200 ] || die "POST /auth/refresh answered ${r##*$'\n'}: ${r%$'\n'*}"
      rt2=$(json_str refresh_token "${r%$'\n'*}")
      [ -n "$rt2" ] && [ "$rt2" != "$rt" ] || die "the refresh did not rotate the token: ${r%$'\n'*}"
      log "sample refresh OK (rotated)"
      log "refresh: logging in 2 x $POOL sessions (warm-up pool, measurement pool)"
      make_pool "$OUT/pool-warmup.txt"
      make_pool "$OUT/pool-measure.txt"
      log "refresh: warm-up $WARMUP at $REFRESH_CONNECTIONS connections"
      log "refresh: warm-up: $(run_wrk refresh-warmup login-refresh-refresh.lua "$REFRESH_CONNECTIONS" "$WARMUP" BENCH_REFRESH_TOKENS="$OUT/pool-warmup.txt")"
      measure refresh login-refresh-refresh.lua "$REFRESH_CONNECTIONS" BENCH_REFRESH_TOKENS="$OUT/pool-measure.txt"
      ;;
    *) die "PHASES: login, refresh; not $phase" ;;
  esac
done
grep -c 'refresh.reuse_detected' "$OUT/auth-service.log" >"$OUT/reuse-detected.count" || true

# ---------------------------------------------------------------------------------------------------
MISSED=0
check() { local v=met; if [ "$2" != 1 ]; then v=MISSED; MISSED=1; fi; printf '  %-60s %-6s (%s)\n' "$1:" "$v" "$3"; }
NPROC=$(nproc)
{
  echo
  echo "Login and refresh: wrk -t$THREADS -d$DURATION (warm-up $WARMUP), auth-service on $NPROC cores shared with wrk and PostgreSQL"
  printf '| %-7s | %5s | %8s | %6s | %6s | %6s | %6s | %-22s | %15s | %13s |\n' phase conns "req/s" "p50 ms" "p90 ms" "p99 ms" non2xx statuses "server ms CPU/req" "PG ms CPU/req"
  echo "|---------|-------|----------|--------|--------|--------|--------|------------------------|-------------------|---------------|"
  for phase in $PHASES; do
    printf '| %-7s | %5s | %8.1f | %6.2f | %6.2f | %6.2f | %6s | %-22s | %17s | %13s |\n' "$phase" "${R_CONNS[$phase]}" "${R_RPS[$phase]}" \
      "${R_P50[$phase]}" "${R_P90[$phase]}" "${R_P99[$phase]}" "${R_NON2XX[$phase]}" "${R_STATUS[$phase]}" "${R_CPU[$phase]}" "${R_PG[$phase]}"
  done
  echo
  echo "Password hashing: Argon2id, m=19456 KiB (19 MiB), t=2, p=1 (auth-service PasswordHasher, OWASP's minimum)"
  if [ -n "${R_RPS[login]:-}" ]; then
    echo "Keycloak's published sizing: $KEYCLOAK_LOGINS_PER_VCPU password logins/s per vCPU -> $((KEYCLOAK_LOGINS_PER_VCPU * NPROC)) on $NPROC vCPUs"
    echo "  measured: ${R_RPS[login]} logins/s on $NPROC vCPUs (wrk included) = $(awk -v r="${R_RPS[login]}" -v n="$NPROC" 'BEGIN { printf "%.1f", r / n }') per vCPU;" \
      "per core of auth-service CPU: $(awk -v c="${R_CPU[login]}" 'BEGIN { printf "%.1f", 1000 / c }') logins/s"
    n429=$(sed -n 's/.*\b429=\([0-9]*\).*/\1/p' <<<"${R_STATUS[login]}"); n429=${n429:-0}
    check "successful logins never throttled (429 count == 0)" "$(( n429 == 0 ))" "$n429"
  fi
  if [ -n "${R_RPS[refresh]:-}" ]; then
    echo "Keycloak's published sizing: $KEYCLOAK_REFRESH_PER_VCPU refreshes/s per vCPU -> $((KEYCLOAK_REFRESH_PER_VCPU * NPROC)) on $NPROC vCPUs"
    echo "  measured: per core of auth-service CPU: $(awk -v c="${R_CPU[refresh]}" 'BEGIN { printf "%.0f", 1000 / c }') refreshes/s"
    check "refreshes/s >= $TARGET_REFRESH_RPS" "$(awk -v r="${R_RPS[refresh]}" -v t="$TARGET_REFRESH_RPS" 'BEGIN { print (r >= t) }')" "${R_RPS[refresh]}"
    check "refresh non-2xx == 0 (rotation chain intact)" "$(( R_NON2XX[refresh] == 0 ))" "${R_NON2XX[refresh]}; reuse detections in the log: $(cat "$OUT/reuse-detected.count")"
  fi
  echo
  echo "Machine CPU during the measured runs (of $NPROC cores):"
  for phase in $PHASES; do echo "  $phase: ${R_MACHINE[$phase]}"; done
} >"$OUT/summary.txt"
cat "$OUT/summary.txt"

if (( FAILED )); then exit 1; fi
if (( MISSED )) && [ "$BENCH_STRICT" = 1 ]; then exit 1; fi
exit 0
}
