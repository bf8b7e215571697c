#!/usr/bin/env bash
# Token introspection benchmark (RFC 7662, POST /oauth/introspect on the token-introspection-service).
#
# Starts its own auth-service and ONE token-introspection-service (own database, own ports, random
# per-run KEK; the real Redis on 127.0.0.1:6379 by default), registers a client, mints two access
# tokens with it and revokes one (POST /oauth/revoke). It checks with curl that introspection answers
# "active":true for the valid token and exactly {"active":false} for the revoked one, then for each
# token and each connection count in CONNECTIONS: a wrk warm-up (once per token), then a measured wrk
# run: requests/s, p50/p99 latency, non-2xx count, and the introspection server's CPU time per request
# (utime+stime of its process from /proc/<pid>/stat, with a per-thread breakdown). The caller
# authenticates with client_secret_basic as the bootstrap admin (scope "introspect"). Both servers
# it started are stopped on exit, whatever happens.
#
# Latency: wrk's own latency figures are not always trustworthy on the 2-core bench VM: against nginx
# returning a constant, wrk -c1 reported a mean latency 2-4x its whole request cycle (Little's law rules
# that out; a plain socket loop at the same throughput measured mean = cycle = 21 us, p99 41 us, where wrk
# said p99 1.3-2 ms), and some wrk runs here report p99s near 1 s that no other measurement confirms. So during each measured run bench/introspection-probe.java also sends
# PROBE_RATE requests/s on its own connections, open loop, and measures each answer from the moment it
# was due: the "probe" p50/p99 are the latency a client sees while wrk saturates the server, and the p99
# target is checked on them. wrk's figures are printed too, with their Little's-law ratio.
#
# Usage:   bench/introspection.sh
# Env:     DURATION=20s  CONNECTIONS="64"  THREADS=2  WARMUP=10s  TOKENS="valid revoked"
#          (CONNECTIONS may list several counts, e.g. CONNECTIONS="16 64 256")
#          JAVA_OPTS=""            extra JVM flags for the introspection server
#          AUTH_JAVA_OPTS=""       extra JVM flags for the auth-service
#          BENCH_AUTH_PORT=18281  BENCH_INTROSPECTION_PORT=18282
#          BENCH_DB=forgeauth_bench_introspection   (dropped and recreated at start, dropped at exit)
#          BENCH_TRUSTED_PROXIES="127.0.0.1,[::1]"  passed as FORGE_TRUSTED_PROXIES (see token-issuance.sh)
#          BENCH_CHECK_BODIES=0    1: wrk checks every answer body too ("wrong_body"); costs wrk CPU
#          PROBE_RATE=500  PROBE_CONNECTIONS=10  the latency probe (PROBE_RATE=0: no probe); keep the rate per
#                                  connection (50/s) well below what one connection of a saturated server gets
#          BENCH_OUT=<dir>         where logs go (default: a new /tmp/introspection-bench.XXXXXX)
#          BENCH_STRICT=1          exit 1 when a target is missed (default: only on errors/non-2xx)
#          BENCH_WAIT_IDLE=0       on a shared machine: wait up to this many seconds before each run
#                                  until other processes use < 0.2 cores (default 0: off)
#          FORGE_PG_HOST/PORT/USER/PASSWORD, FORGE_REDIS_HOST/PORT as for the services themselves
# Needs:   wrk (apt-get install -y wrk), java 17, psql, curl, a running PostgreSQL and Redis.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR="$ROOT/bench"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

DURATION=$(secs "${DURATION:-20s}")
WARMUP=$(secs "${WARMUP:-10s}")
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
TOKENS=${TOKENS:-"valid revoked"}
JAVA_OPTS=${JAVA_OPTS:-}
AUTH_JAVA_OPTS=${AUTH_JAVA_OPTS:-}
AUTH_PORT=${BENCH_AUTH_PORT:-18281}
INTRO_PORT=${BENCH_INTROSPECTION_PORT:-18282}
DB=${BENCH_DB:-forgeauth_bench_introspection}
BENCH_CHECK_BODIES=${BENCH_CHECK_BODIES:-0}
PROBE_RATE=${PROBE_RATE:-500}
PROBE_CONNECTIONS=${PROBE_CONNECTIONS:-10}
BENCH_STRICT=${BENCH_STRICT:-0}
BENCH_WAIT_IDLE=${BENCH_WAIT_IDLE:-0}
# Quarkus reads a bare "::1" in the default "127.0.0.1,::1" as a host name and resolves it through DNS
# on every request; see bench/token-issuance.sh. The bench passes the intended value, bracketed.
TRUSTED_PROXIES=${BENCH_TRUSTED_PROXIES:-"127.0.0.1,[::1]"}
ADMIN_ID=forge-admin
ADMIN_SECRET=forge-admin-secret

PG_HOST=${FORGE_PG_HOST:-127.0.0.1}
PG_PORT=${FORGE_PG_PORT:-5432}
PG_USER=${FORGE_PG_USER:-postgres}
export PGPASSWORD=${FORGE_PG_PASSWORD:-}

# targets
TARGET_RPS=8000
TARGET_P99_MS=20

# ---------------------------------------------------------------------------------------------------
# cleanup: stop the servers we started (and only those), drop the bench database
AUTH_PID=""
INTRO_PID=""
APP_COPY=""
cleanup() {
  local rc=$?
  stop_pid "$INTRO_PID" token-introspection-service; INTRO_PID=""
  stop_pid "$AUTH_PID" auth-service; AUTH_PID=""
  psql_admin -c "drop database if exists $DB with (force)" >/dev/null 2>&1 || true
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
command -v java >/dev/null || die "java is required"
command -v psql >/dev/null || die "psql is required (apt-get install -y postgresql-client)"
command -v curl >/dev/null || die "curl is required"
psql_admin -c 'select 1' >/dev/null || die "cannot reach PostgreSQL at $PG_HOST:$PG_PORT as $PG_USER"
CLK_TCK=$(getconf CLK_TCK)
for t in $TOKENS; do case "$t" in valid|revoked) ;; *) die "TOKENS: valid and/or revoked, not $t";; esac; done

OUT=${BENCH_OUT:-$(mktemp -d /tmp/introspection-bench.XXXXXX)}
mkdir -p "$OUT"

PROBE=()
if [ "$PROBE_RATE" != 0 ]; then
  # compiled once, so that no compilation runs during a measured run
  if command -v javac >/dev/null 2>&1 && javac -d "$OUT/probe" "$BENCH_DIR/introspection-probe.java"; then
    PROBE=(java -XX:TieredStopAtLevel=1 -cp "$OUT/probe" IntrospectionProbe)
  else
    PROBE=(java "$BENCH_DIR/introspection-probe.java")
  fi
fi

AUTH_JAR="$ROOT/auth-service/target/quarkus-app/quarkus-run.jar"
INTRO_JAR="$ROOT/token-introspection-service/target/quarkus-app/quarkus-run.jar"
if [ ! -f "$AUTH_JAR" ] || [ ! -f "$INTRO_JAR" ]; then
  log "building auth-service and token-introspection-service (jar missing)"
  (cd "$ROOT" && ./mvnw -B -q install -DskipTests -pl auth-service,token-introspection-service -am) || die "build failed"
fi
# Run from private copies so a concurrent rebuild of target/ cannot change the jars under the servers.
APP_COPY=$(mktemp -d /tmp/introspection-bench-app.XXXXXX)
mkdir -p "$APP_COPY/auth" "$APP_COPY/introspection"
cp -a "$ROOT/auth-service/target/quarkus-app/." "$APP_COPY/auth/"
cp -a "$ROOT/token-introspection-service/target/quarkus-app/." "$APP_COPY/introspection/"
log "jars: $AUTH_JAR (built $(date -u -r "$AUTH_JAR" '+%Y-%m-%d %H:%M:%SZ')), $INTRO_JAR (built $(date -u -r "$INTRO_JAR" '+%Y-%m-%d %H:%M:%SZ')), git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"

for p in "$AUTH_PORT" "$INTRO_PORT"; do
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$p/"; then
    die "something already listens on port $p; set BENCH_AUTH_PORT / BENCH_INTROSPECTION_PORT"
  fi
done

# ---------------------------------------------------------------------------------------------------
# helpers

machine_ticks() { # "busy steal" clock ticks of the whole machine, from /proc/stat
  awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $9; exit }' /proc/stat
}

tcp_counters() { # machine-wide TCP trouble counters as "name value" lines (nstat from iproute2), or nothing
  command -v nstat >/dev/null 2>&1 || return 0
  nstat -az TcpRetransSegs TcpExtTCPTimeouts TcpExtTCPSynRetrans TcpExtListenOverflows 2>/dev/null \
    | awk '$1 ~ /^Tcp/ { print $1, $2 }'
}

tcp_delta() { # before-file after-file -> "TcpRetransSegs=+3 ..." (only counters that moved)
  awk 'NR == FNR { b[$1] = $2; next } { d = $2 - b[$1]; if (d) printf "%s=+%d ", $1, d }' "$1" "$2"
}

await_ready() { # name port pid logfile
  local deadline=$((SECONDS + 120))
  until curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$2/q/health/ready"; do
    if ! kill -0 "$3" 2>/dev/null; then
      tail -n 40 "$4" >&2
      die "$1 exited during start (log: $4)"
    fi
    (( SECONDS < deadline )) || { tail -n 40 "$4" >&2; die "$1 not ready after 120 s"; }
    sleep 0.5
  done
  log "$1 ready on port $2 (pid $3)"
}

start_servers() {
  local kek
  psql_admin -c "drop database if exists $DB with (force)" >/dev/null
  psql_admin -c "create database $DB" >/dev/null
  kek=$(head -c32 /dev/urandom | base64)
  log "starting auth-service on port $AUTH_PORT, database $DB, AUTH_JAVA_OPTS='${AUTH_JAVA_OPTS}'"
  # shellcheck disable=SC2086
  FORGE_KEK="$kek" \
  FORGE_BOOTSTRAP_CLIENT_ID="$ADMIN_ID" FORGE_BOOTSTRAP_CLIENT_SECRET="$ADMIN_SECRET" \
  FORGE_AUTH_PORT="$AUTH_PORT" FORGE_PG_DATABASE="$DB" FORGE_KEYS_PUBLISH_DELAY=0s \
  FORGE_TRUSTED_PROXIES="$TRUSTED_PROXIES" \
    java $AUTH_JAVA_OPTS -jar "$APP_COPY/auth/quarkus-run.jar" >"$OUT/auth-service.log" 2>&1 &
  AUTH_PID=$!
  await_ready auth-service "$AUTH_PORT" "$AUTH_PID" "$OUT/auth-service.log"

  log "starting token-introspection-service on port $INTRO_PORT, JAVA_OPTS='${JAVA_OPTS}'"
  # shellcheck disable=SC2086
  FORGE_KEK="$kek" FORGE_JWKS_URL="http://127.0.0.1:$AUTH_PORT/oauth/jwks" \
  FORGE_INTROSPECTION_PORT="$INTRO_PORT" FORGE_PG_DATABASE="$DB" \
  FORGE_TRUSTED_PROXIES="$TRUSTED_PROXIES" \
    java $JAVA_OPTS -jar "$APP_COPY/introspection/quarkus-run.jar" >"$OUT/introspection.log" 2>&1 &
  INTRO_PID=$!
  await_ready token-introspection-service "$INTRO_PORT" "$INTRO_PID" "$OUT/introspection.log"
}

post() { # url auth-header content-type body -> "body\ncode"
  curl -s -w '\n%{http_code}' -H "Authorization: $2" -H "Content-Type: $3" --data-binary "$4" "$1"
}

mint_tokens() { # sets VALID_TOKEN, REVOKED_TOKEN, BENCH_CLIENT
  local r code body admin_token cid csecret
  r=$(post "http://127.0.0.1:$AUTH_PORT/oauth/token" "$(basic "$ADMIN_ID" "$ADMIN_SECRET")" \
    application/x-www-form-urlencoded "grant_type=client_credentials")
  code=${r##*$'\n'}; body=${r%$'\n'*}
  [ "$code" = 200 ] || die "admin token request answered $code: $body"
  admin_token=$(json_str access_token "$body")

  r=$(post "http://127.0.0.1:$AUTH_PORT/admin/clients" "Bearer $admin_token" application/json \
    '{"client_name":"bench-resource","grant_types":["client_credentials"],"scope":"deployment:read"}')
  code=${r##*$'\n'}; body=${r%$'\n'*}
  [ "$code" = 201 ] || die "POST /admin/clients answered $code: $body"
  cid=$(json_str client_id "$body"); csecret=$(json_str client_secret "$body")

  for which in VALID_TOKEN REVOKED_TOKEN; do
    r=$(post "http://127.0.0.1:$AUTH_PORT/oauth/token" "$(basic "$cid" "$csecret")" \
      application/x-www-form-urlencoded "grant_type=client_credentials&scope=deployment%3Aread")
    code=${r##*$'\n'}; body=${r%$'\n'*}
    [ "$code" = 200 ] || die "token request for $cid answered $code: $body"
    printf -v "$which" '%s' "$(json_str access_token "$body")"
  done
  r=$(post "http://127.0.0.1:$AUTH_PORT/oauth/revoke" "$(basic "$cid" "$csecret")" \
    application/x-www-form-urlencoded "token=$REVOKED_TOKEN&token_type_hint=access_token")
  code=${r##*$'\n'}; body=${r%$'\n'*}
  [ "$code" = 200 ] || die "revoke answered $code: $body"
  log "client $cid registered; valid token ${#VALID_TOKEN} chars; second token revoked"
}

introspect() { # token -> "body\ncode"
  post "http://127.0.0.1:$INTRO_PORT/oauth/introspect" "$(basic "$ADMIN_ID" "$ADMIN_SECRET")" \
    application/x-www-form-urlencoded "token=$1"
}

check_answers() { # valid token must be active, revoked one exactly {"active":false}
  local r code body deadline
  r=$(introspect "$VALID_TOKEN"); code=${r##*$'\n'}; body=${r%$'\n'*}
  [ "$code" = 200 ] || die "introspection of the valid token answered $code: $body"
  grep -q '"active":true' <<<"$body" || die "valid token not active: $body"
  grep -q '"scope":"deployment:read"' <<<"$body" || die "valid token answer without its scope: $body"
  log "valid token:   $code $body"
  # the revocation reaches the instance through Redis pub/sub: allow it a moment
  deadline=$((SECONDS + 5))
  while :; do
    r=$(introspect "$REVOKED_TOKEN"); code=${r##*$'\n'}; body=${r%$'\n'*}
    [ "$code" = 200 ] || die "introspection of the revoked token answered $code: $body"
    [ "$body" = '{"active":false}' ] && break
    (( SECONDS < deadline )) || die "revoked token still not {\"active\":false} after 5 s: $body"
    sleep 0.1
  done
  log "revoked token: $code $body"
}

dur_seconds() { # "20s" / "1m" / "20" -> seconds
  case "$1" in *m) echo $(( ${1%m} * 60 )) ;; *s) echo "${1%s}" ;; *) echo "$1" ;; esac
}

start_probe() { # label token-kind duration -> probe in the background (PROBE_PID), output $OUT/probe-<label>.txt
  PROBE_PID=""
  [ "${#PROBE[@]}" -gt 0 ] || return 0
  local secs
  secs=$(( $(dur_seconds "$3") - 3 ))
  (( secs >= 1 )) || return 0
  # starts 1 s into the wrk run, warms up for 1 s, measures, ends about 1 s before wrk
  ( sleep 1; exec "${PROBE[@]}" "http://127.0.0.1:$INTRO_PORT/oauth/introspect" "$(basic "$ADMIN_ID" "$ADMIN_SECRET")" \
      "$(token_of "$2")" "$(expect_of "$2")" "$PROBE_RATE" "$secs" "$PROBE_CONNECTIONS" 1 ) >"$OUT/probe-$1.txt" 2>&1 &
  PROBE_PID=$!
}

token_of() { case "$1" in valid) echo "$VALID_TOKEN" ;; revoked) echo "$REVOKED_TOKEN" ;; esac; }
expect_of() { case "$1" in valid) echo true ;; revoked) echo false ;; esac; }

run_wrk() { # label token-kind connections duration -> prints the WRK line; output in $OUT/wrk-<label>.txt,
  #                                                   wrk's own CPU seconds (user+sys) in $OUT/wrk-<label>.cpu
  local label=$1 kind=$2 conns=$3 dur=$4 TIMEFORMAT='%U %S' expect=""
  [ "$BENCH_CHECK_BODIES" = 1 ] && expect=$(expect_of "$kind")
  { time BENCH_TOKEN=$(token_of "$kind") BENCH_EXPECT_ACTIVE="$expect" \
      BENCH_CLIENT_ID="$ADMIN_ID" BENCH_CLIENT_SECRET="$ADMIN_SECRET" \
      wrk -t"$THREADS" -c"$conns" -d"$dur" --latency -s "$BENCH_DIR/introspection-request.lua" \
      "http://127.0.0.1:$INTRO_PORT/oauth/introspect" >"$OUT/wrk-$label.txt" 2>&1; } 2>"$OUT/wrk-$label.cpu" \
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
  echo "wrk: -t$THREADS -c{$CONNECTIONS} -d$DURATION (warm-up $WARMUP per token), TOKENS='$TOKENS', JAVA_OPTS='$JAVA_OPTS', FORGE_TRUSTED_PROXIES='$TRUSTED_PROXIES', Redis ${FORGE_REDIS_HOST:-127.0.0.1}:${FORGE_REDIS_PORT:-6379}"
} | tee "$OUT/machine.txt"

start_servers
mint_tokens
check_answers

declare -A R_RPS R_P50 R_P99 R_MAX R_CPU R_NON2XX R_WRONG R_REQ R_CORES R_GC R_MACHINE R_OTHER R_KIND R_CONNS R_TCP R_LITTLE
declare -A R_PP50 R_PP99 R_PMAX R_PWRONG
RUNS=()
FAILED=0
for kind in $TOKENS; do
  wait_idle
  first_conns=${CONNECTIONS%% *}
  log "$kind: warm-up $WARMUP at $first_conns connections"
  warm=$(run_wrk "$kind-warmup" "$kind" "$first_conns" "$WARMUP")
  log "$kind: warm-up: $warm"
  for conns in $CONNECTIONS; do
    run="$kind-c$conns"
    n=1; while [ -n "${R_KIND[$run]:-}" ]; do n=$((n + 1)); run="$kind-c$conns#$n"; done
    RUNS+=("$run"); R_KIND[$run]=$kind; R_CONNS[$run]=$conns
    wait_idle
    log "$run: measuring $DURATION at $conns connections, $THREADS threads"
    thread_ticks "$INTRO_PID" >"$OUT/threads-$run-before.tsv"
    gc0=$(gc_seconds "$INTRO_PID")
    tcp_counters >"$OUT/tcp-$run-before.txt"
    read -r m0 s0 < <(machine_ticks)
    a0=$(proc_ticks "$AUTH_PID")
    t0=$(proc_ticks "$INTRO_PID")
    w0=$(date +%s.%N)
    start_probe "$run" "$kind" "$DURATION"
    line=$(run_wrk "$run" "$kind" "$conns" "$DURATION")
    w1=$(date +%s.%N)
    if [ -n "$PROBE_PID" ]; then wait "$PROBE_PID" || log "$run: probe failed (see $OUT/probe-$run.txt)"; fi
    t1=$(proc_ticks "$INTRO_PID")
    a1=$(proc_ticks "$AUTH_PID")
    read -r m1 s1 < <(machine_ticks)
    tcp_counters >"$OUT/tcp-$run-after.txt"
    gc1=$(gc_seconds "$INTRO_PID")
    thread_ticks "$INTRO_PID" >"$OUT/threads-$run-after.tsv"
    sed -n '/Latency Distribution/,/requests in/p' "$OUT/wrk-$run.txt" | sed 's/^/    /' >&2

    req=$(kv requests "$line")
    (( req > 0 )) || die "$run: wrk completed no request"
    R_REQ[$run]=$req
    R_RPS[$run]=$(kv rps "$line")
    R_P50[$run]=$(kv p50_ms "$line")
    R_P99[$run]=$(kv p99_ms "$line")
    R_MAX[$run]=$(kv max_ms "$line")
    R_NON2XX[$run]=$(( $(kv non2xx "$line") + $(kv socket_errors "$line") ))
    R_WRONG[$run]=$(kv wrong_body "$line")
    [ "$BENCH_CHECK_BODIES" = 1 ] || R_WRONG[$run]="-"
    R_CPU[$run]=$(awk -v d=$((t1 - t0)) -v t="$CLK_TCK" -v n="$req" 'BEGIN { printf "%.1f", d / t * 1e6 / n }')
    R_CORES[$run]=$(awk -v d=$((t1 - t0)) -v t="$CLK_TCK" -v a="$w0" -v b="$w1" 'BEGIN { printf "%.2f", d / t / (b - a) }')
    if [ -n "$gc0" ] && [ -n "$gc1" ]; then
      R_GC[$run]=$(awk -v a="$gc0" -v b="$gc1" -v n="$req" 'BEGIN { printf "%.1f", (b - a) * 1e6 / n }')
    else
      R_GC[$run]="n/a"
    fi
    # where the machine's CPU went during the measured run: server, wrk, auth-service, everything else
    wrk_cpu=$(awk '{ print $1 + $2 }' "$OUT/wrk-$run.cpu")
    R_MACHINE[$run]=$(awk -v m=$((m1 - m0)) -v st=$((s1 - s0)) -v srv=$((t1 - t0)) -v au=$((a1 - a0)) -v w="$wrk_cpu" \
      -v t="$CLK_TCK" -v a="$w0" -v b="$w1" 'BEGIN { d = b - a;
        printf "introspection %.2f, wrk %.2f, auth-service %.2f, everything else (other processes, kernel softirq) %.2f, steal %.2f cores",
          srv / t / d, w / d, au / t / d, (m - srv - au) / t / d - w / d, st / t / d }')
    R_OTHER[$run]=$(awk -v m=$((m1 - m0)) -v srv=$((t1 - t0)) -v au=$((a1 - a0)) -v w="$wrk_cpu" -v t="$CLK_TCK" \
      -v a="$w0" -v b="$w1" 'BEGIN { d = b - a; printf "%.2f", (m - srv - au) / t / d - w / d }')
    log "$run: $line"
    pline=$(grep '^PROBE ' "$OUT/probe-$run.txt" 2>/dev/null || true)
    R_PP50[$run]=$(kv p50_ms "$pline"); R_PP99[$run]=$(kv p99_ms "$pline"); R_PMAX[$run]=$(kv max_ms "$pline")
    pw=$(kv wrong "$pline"); pe=$(kv errors "$pline"); R_PWRONG[$run]=$(( ${pw:-0} + ${pe:-0} ))
    [ -n "$pline" ] && log "$run: $pline"
    if [ -n "$pline" ] && (( R_PWRONG[$run] != 0 )); then
      log "$run: FAIL: the probe got ${R_PWRONG[$run]} wrong answers or connection errors (see $OUT/probe-$run.txt)"
      FAILED=1
    fi
    R_TCP[$run]=$(tcp_delta "$OUT/tcp-$run-before.txt" "$OUT/tcp-$run-after.txt")
    [ -n "${R_TCP[$run]}" ] && log "$run: WARNING: TCP trouble on the machine during the run (any process): ${R_TCP[$run]}"
    # Little's law: with at most $conns requests in flight, the mean latency cannot exceed conns / rps.
    # wrk's latency figures that break it by far are an artefact of wrk or of the machine's clock.
    R_LITTLE[$run]=$(awk -v m="$(kv mean_ms "$line")" -v c="$conns" -v r="${R_RPS[$run]}" 'BEGIN { printf "%.1f", m / (c / r * 1000) }')
    if awk -v x="${R_LITTLE[$run]}" 'BEGIN { exit !(x > 1.5) }'; then
      log "$run: WARNING: wrk's mean latency $(kv mean_ms "$line") ms is ${R_LITTLE[$run]}x the most $conns connections at ${R_RPS[$run]} req/s allow ($(awk -v c="$conns" -v r="${R_RPS[$run]}" 'BEGIN { printf "%.3f", c / r * 1000 }') ms, Little's law): its latency percentiles for this run are not trustworthy"
    fi
    log "$run: machine CPU during the run: ${R_MACHINE[$run]} (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    if awk -v o="${R_OTHER[$run]}" 'BEGIN { exit !(o > 0.2) }'; then
      log "$run: WARNING: ${R_OTHER[$run]} cores went to other processes or the kernel during the run; if other processes were busy, the figures are disturbed"
    fi
    log "$run: introspection CPU $(( t1 - t0 )) ticks = ${R_CPU[$run]} us/request (${R_CORES[$run]} cores busy on average), GC ${R_GC[$run]} us/request"
    log "$run: introspection CPU by thread:"
    thread_breakdown "$OUT/threads-$run-before.tsv" "$OUT/threads-$run-after.tsv" "$req" | tee "$OUT/threads-$run.txt" >&2
    if (( R_NON2XX[$run] != 0 )); then
      log "$run: FAIL: ${R_NON2XX[$run]} non-2xx responses or socket errors (see $OUT/wrk-$run.txt)"
      FAILED=1
    fi
    if [ "${R_WRONG[$run]}" != "-" ] && (( R_WRONG[$run] != 0 )); then
      log "$run: FAIL: ${R_WRONG[$run]} answers without \"active\":$(expect_of "$kind")"
      FAILED=1
    fi
  done
done
# the answers must still be right after the load
check_answers

# ---------------------------------------------------------------------------------------------------
# summary
MISSED=0
check() { # description ok(1/0) measured
  local v=met
  if [ "$2" != 1 ]; then v=MISSED; MISSED=1; fi
  printf '  %-52s %-6s (%s)\n' "$1:" "$v" "$3"
}
{
  echo
  echo "Token introspection (POST /oauth/introspect, JWT, caller client_secret_basic): wrk -t$THREADS -d$DURATION${JAVA_OPTS:+, JAVA_OPTS=$JAVA_OPTS}"
  printf '| %-7s | %5s | %8s | %9s | %9s | %9s | %7s | %7s | %7s | %6s | %10s | %5s | %8s | %6s |\n' token conns "req/s" \
    "probe p50" "probe p99" "probe max" "wrk p50" "wrk p99" "wrk max" little "CPU us/req" cores "GC us/req" non2xx
  echo "|---------|-------|----------|-----------|-----------|-----------|---------|---------|---------|--------|------------|-------|----------|--------|"
  for run in "${RUNS[@]}"; do
    printf '| %-7s | %5s | %8.0f | %9s | %9s | %9s | %7.2f | %7.2f | %7.2f | %6s | %10s | %5s | %8s | %6s |\n' "${R_KIND[$run]}" "${R_CONNS[$run]}" \
      "${R_RPS[$run]}" "${R_PP50[$run]:--}" "${R_PP99[$run]:--}" "${R_PMAX[$run]:--}" "${R_P50[$run]}" "${R_P99[$run]}" "${R_MAX[$run]}" \
      "${R_LITTLE[$run]}" "${R_CPU[$run]}" "${R_CORES[$run]}" "${R_GC[$run]}" "${R_NON2XX[$run]}"
  done
  echo "(latencies in ms. probe: $PROBE_RATE req/s on $PROBE_CONNECTIONS connections of their own during the wrk run, open loop, from the due time."
  echo " little: wrk's mean latency / (connections / req/s), at most 1 for a real closed loop: far above 1, wrk's latency figures are an artefact.)"
  echo
  echo "Targets (each run):"
  for run in "${RUNS[@]}"; do
    check "$run req/s >= $TARGET_RPS" "$(awk -v a="${R_RPS[$run]}" -v b="$TARGET_RPS" 'BEGIN { print (a >= b) }')" "${R_RPS[$run]}/s"
    if [ -n "${R_PP99[$run]}" ]; then
      check "$run p99 (probe) <= $TARGET_P99_MS ms" "$(awk -v a="${R_PP99[$run]}" -v b="$TARGET_P99_MS" 'BEGIN { print (a <= b) }')" "${R_PP99[$run]} ms; wrk says ${R_P99[$run]} ms"
    else
      check "$run p99 (wrk) <= $TARGET_P99_MS ms" "$(awk -v a="${R_P99[$run]}" -v b="$TARGET_P99_MS" 'BEGIN { print (a <= b) }')" "${R_P99[$run]} ms"
    fi
    check "$run non-2xx responses and socket errors == 0" "$(( R_NON2XX[$run] == 0 ))" "${R_NON2XX[$run]}"
  done
  echo
  echo "Machine CPU during the measured runs (of $(nproc) cores):"
  for run in "${RUNS[@]}"; do echo "  $run: ${R_MACHINE[$run]}${R_TCP[$run]:+; TCP: ${R_TCP[$run]}}"; done
} >"$OUT/summary.txt"
cat "$OUT/summary.txt"

if (( FAILED )); then exit 1; fi
if (( MISSED )) && [ "$BENCH_STRICT" = 1 ]; then exit 1; fi
exit 0
