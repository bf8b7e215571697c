#!/usr/bin/env bash
# Client-credentials token issuance benchmark for the auth-service.
#
# For each algorithm in ALGS it starts its own auth-service (own database, own port, random per-run
# KEK), warms it up with wrk, then measures POST /oauth/token (client_secret_basic) with wrk:
# requests/s, p50/p99 latency, non-2xx count, and the server's CPU time per token (utime+stime of
# the server process from /proc/<pid>/stat). It also times the signature alone on this JVM
# (bench/SignBench.java) and prints CPU-per-token / signature-alone, then a summary table with the
# targets. The server it started is stopped on exit, whatever happens (Ctrl-C stops wrk and the
# server at once; a TERM sent to the script alone takes effect when the running wrk ends).
#
# Usage:   bench/token-issuance.sh
# Env:     DURATION=20s  CONNECTIONS=32  THREADS=2  WARMUP=10s  ALGS="RS256 ES256"
#          JAVA_OPTS=""            extra JVM flags for the server (and SignBench), e.g. -XX:+UseParallelGC
#          BENCH_PORT=18581  BENCH_DB=forgeauth_bench  (dropped and recreated for each algorithm)
#          BENCH_TRUSTED_PROXIES="127.0.0.1,[::1]"  passed as FORGE_TRUSTED_PROXIES (see below)
#          SIGN_SECONDS=5          measured seconds per algorithm in SignBench (after a 3 s warm-up)
#          BENCH_OUT=<dir>         where logs go (default: a new /tmp/token-bench.XXXXXX)
#          BENCH_STRICT=1          exit 1 when a target is missed (default: only on errors/non-2xx)
#          BENCH_WAIT_IDLE=0       on a shared machine: wait up to this many seconds before each
#                                  algorithm until other processes use < 0.2 cores (default 0: off)
#          BENCH_RETRIES=0         measure again (same warm server) up to this many times when other
#                                  processes used more than BENCH_MAX_OTHER=0.15 cores during the run
#          FORGE_PG_HOST/PORT/USER/PASSWORD, FORGE_REDIS_HOST/PORT as for the service itself
# Needs:   wrk (apt-get install -y wrk), java 17, psql, a running PostgreSQL and Redis.
set -euo pipefail
{ # the whole script is one block, so bash parses it all before running (safe against edits mid-run)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR="$ROOT/bench"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

DURATION=$(secs "${DURATION:-20s}")
WARMUP=$(secs "${WARMUP:-10s}")
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
ALGS=${ALGS:-"RS256 ES256"}
JAVA_OPTS=${JAVA_OPTS:-}
PORT=${BENCH_PORT:-18581}
DB=${BENCH_DB:-forgeauth_bench}
SIGN_SECONDS=${SIGN_SECONDS:-5}
BENCH_STRICT=${BENCH_STRICT:-0}
BENCH_WAIT_IDLE=${BENCH_WAIT_IDLE:-0}
BENCH_RETRIES=${BENCH_RETRIES:-0}
BENCH_MAX_OTHER=${BENCH_MAX_OTHER:-0.15}
# Before commit 25027f5 the service's default FORGE_TRUSTED_PROXIES was "127.0.0.1,::1". Quarkus reads
# a bare "::1" as the host name ":" with port 1 (IPv6 literals need brackets, "[::1]", or CIDR,
# "::1/128") and resolves that name through DNS on every request: one query to the system resolver
# per token, and a 5 s stall whenever the resolver drops one. A load test must not flood the resolver,
# so the bench always passes the value explicitly (the current default), whatever build it runs.
# Set BENCH_TRUSTED_PROXIES to test another value.
TRUSTED_PROXIES=${BENCH_TRUSTED_PROXIES:-"127.0.0.1,[::1]"}
CLIENT_ID=forge-admin
CLIENT_SECRET=forge-admin-secret

PG_HOST=${FORGE_PG_HOST:-127.0.0.1}
PG_PORT=${FORGE_PG_PORT:-5432}
PG_USER=${FORGE_PG_USER:-postgres}
export PGPASSWORD=${FORGE_PG_PASSWORD:-}

# targets
TARGET_RPS_RS256=700
TARGET_RPS_ES256=1200
TARGET_P99_MS=50
TARGET_RATIO=1.3

# ---------------------------------------------------------------------------------------------------
# cleanup: stop the server we started (and only that one), drop the bench database
SERVER_PID=""
APP_COPY=""
stop_server() {
  local pid=$SERVER_PID
  SERVER_PID=""
  stop_pid "$pid" server
}
cleanup() {
  local rc=$?
  stop_server
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

OUT=${BENCH_OUT:-$(mktemp -d /tmp/token-bench.XXXXXX)}
mkdir -p "$OUT"

JAR="$ROOT/auth-service/target/quarkus-app/quarkus-run.jar"
if [ ! -f "$JAR" ]; then
  log "building auth-service (jar missing)"
  (cd "$ROOT" && ./mvnw -B -q -DskipTests install) || die "build failed"
fi
# Run from a private copy so a concurrent rebuild of target/ cannot change the jar under the server.
APP_COPY=$(mktemp -d /tmp/token-bench-app.XXXXXX)
cp -a "$ROOT/auth-service/target/quarkus-app/." "$APP_COPY/"
DIRTY=$(git -C "$ROOT" status --porcelain -- auth-service forge-core pom.xml 2>/dev/null | wc -l)
JAR_INFO="built $(date -u -r "$JAR" '+%Y-%m-%d %H:%M:%SZ'); work tree at git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
if (( DIRTY )); then JAR_INFO+=" with $DIRTY uncommitted changes under auth-service/, forge-core/, pom.xml"; fi
log "jar: $JAR, $JAR_INFO"

port_in_use() {
  ss -Hltn "( sport = :$1 )" 2>/dev/null | grep -q . || curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"
}
if port_in_use "$PORT"; then
  die "something already listens on port $PORT; set BENCH_PORT"
fi

# ---------------------------------------------------------------------------------------------------
# helpers

thread_breakdown() { # before-file after-file requests -> CPU by thread group, ms/token
  awk -F'\t' -v req="$3" -v tck="$CLK_TCK" '
    NR == FNR { before[$1] = $3; next }
    {
      d = $3 - (($1 in before) ? before[$1] : 0)
      g = $2
      sub(/-[0-9]+$/, "-N", g); sub(/#[0-9]+$/, "#N", g); sub(/ ?[0-9]+$/, "", g)
      sum[g] += d; total += d
    }
    END {
      for (g in sum) if (sum[g] > 0)
        printf "    %7.3f ms/token %5.1f%%  %s\n", sum[g] / tck * 1000 / req, 100 * sum[g] / total, g
    }' "$1" "$2" | sort -rn
}

machine_ticks() { # "busy steal softirq" clock ticks of the whole machine, from /proc/stat
  awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $9, $8; exit }' /proc/stat
}

b64url_decode() {
  local s=${1//-/+}; s=${s//_//}
  while (( ${#s} % 4 )); do s+="="; done
  printf '%s' "$s" | base64 -d 2>/dev/null
}

start_server() { # alg
  local alg=$1 kek
  port_in_use "$PORT" && die "port $PORT is now in use by another process; set BENCH_PORT"
  psql_admin -c "drop database if exists $DB with (force)" >/dev/null
  psql_admin -c "create database $DB" >/dev/null
  kek=$(head -c32 /dev/urandom | base64)
  log "starting auth-service ($alg) on port $PORT, database $DB, JAVA_OPTS='${JAVA_OPTS}'"
  # shellcheck disable=SC2086
  FORGE_KEK="$kek" \
  FORGE_BOOTSTRAP_CLIENT_ID="$CLIENT_ID" FORGE_BOOTSTRAP_CLIENT_SECRET="$CLIENT_SECRET" \
  FORGE_AUTH_PORT="$PORT" FORGE_PG_DATABASE="$DB" FORGE_KEYS_ALGORITHM="$alg" \
  FORGE_TRUSTED_PROXIES="$TRUSTED_PROXIES" \
    java $JAVA_OPTS -jar "$APP_COPY/quarkus-run.jar" >"$OUT/server-$alg.log" 2>&1 &
  SERVER_PID=$!
  local deadline=$((SECONDS + 120))
  until curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/q/health/ready"; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      tail -n 40 "$OUT/server-$alg.log" >&2
      die "auth-service exited during start (log: $OUT/server-$alg.log)"
    fi
    (( SECONDS < deadline )) || { tail -n 40 "$OUT/server-$alg.log" >&2; die "auth-service not ready after 120 s"; }
    sleep 0.5
  done
  log "ready (pid $SERVER_PID)"
}

check_one_token() { # alg: one request by curl, must be 200 with a JWT signed with alg
  local alg=$1 body code token header
  body=$(curl -s -w '\n%{http_code}' -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \
    "http://127.0.0.1:$PORT/oauth/token")
  code=${body##*$'\n'}; body=${body%$'\n'*}
  [ "$code" = 200 ] || die "token request answered $code: $body"
  token=$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' <<<"$body")
  header=$(b64url_decode "${token%%.*}")
  grep -q "\"alg\":\"$alg\"" <<<"$header" || die "expected a $alg token, got header $header"
  log "sample token OK: ${#token} chars, header $header"
}

run_wrk() { # label duration -> prints the WRK line; full output in $OUT/wrk-<label>.txt,
  #                              wrk's own CPU seconds (user+sys) in $OUT/wrk-<label>.cpu
  local label=$1 dur=$2 TIMEFORMAT='%U %S'
  { time wrk -t"$THREADS" -c"$CONNECTIONS" -d"$dur" --latency -s "$BENCH_DIR/token-request.lua" \
      "http://127.0.0.1:$PORT/oauth/token" >"$OUT/wrk-$label.txt" 2>&1; } 2>"$OUT/wrk-$label.cpu" \
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
  echo "auth-service jar: $JAR_INFO"
  echo "wrk: -t$THREADS -c$CONNECTIONS -d$DURATION (warm-up $WARMUP), ALGS='$ALGS', JAVA_OPTS='$JAVA_OPTS', FORGE_TRUSTED_PROXIES='$TRUSTED_PROXIES'"
} | tee "$OUT/machine.txt"

wait_idle
log "signature alone on this JVM (bench/SignBench.java, ${SIGN_SECONDS}s per algorithm)"
# shellcheck disable=SC2086
java $JAVA_OPTS "$BENCH_DIR/SignBench.java" "$SIGN_SECONDS" | tee "$OUT/signbench.txt"
declare -A SIG_US
for alg in RS256 ES256; do
  SIG_US[$alg]=$(kv cpu_us "$(grep "^SIGN $alg " "$OUT/signbench.txt")")
done

declare -A R_RPS R_P50 R_P99 R_CPU R_NON2XX R_REQ R_CORES R_GC R_MACHINE R_OTHER R_DISTURBED
FAILED=0
for alg in $ALGS; do
  case "$alg" in RS256|ES256) ;; *) die "unsupported algorithm $alg (RS256 or ES256)";; esac
  wait_idle
  start_server "$alg"
  check_one_token "$alg"

  log "$alg: warm-up $WARMUP"
  warm=$(run_wrk "$alg-warmup" "$WARMUP")
  log "$alg: warm-up: $warm"

  attempt=0
  while :; do
    attempt=$((attempt + 1))
    log "$alg: measuring $DURATION at $CONNECTIONS connections, $THREADS threads (attempt $attempt)"
    thread_ticks "$SERVER_PID" >"$OUT/threads-$alg-before.tsv"
    gc0=$(gc_seconds "$SERVER_PID")
    read -r m0 s0 q0 < <(machine_ticks)
    t0=$(proc_ticks "$SERVER_PID")
    w0=$(date +%s.%N)
    line=$(run_wrk "$alg" "$DURATION")
    w1=$(date +%s.%N)
    t1=$(proc_ticks "$SERVER_PID")
    read -r m1 s1 q1 < <(machine_ticks)
    gc1=$(gc_seconds "$SERVER_PID")
    thread_ticks "$SERVER_PID" >"$OUT/threads-$alg-after.tsv"
    cp "$OUT/wrk-$alg.txt" "$OUT/wrk-$alg-attempt$attempt.txt"
    sed -n '/Latency Distribution/,/requests in/p' "$OUT/wrk-$alg.txt" | sed 's/^/    /' >&2

    req=$(kv requests "$line")
    (( req > 0 )) || die "$alg: wrk completed no request"
    R_REQ[$alg]=$req
    R_RPS[$alg]=$(kv rps "$line")
    R_P50[$alg]=$(kv p50_ms "$line")
    R_P99[$alg]=$(kv p99_ms "$line")
    R_NON2XX[$alg]=$(( $(kv non2xx "$line") + $(kv socket_errors "$line") ))
    R_CPU[$alg]=$(awk -v d=$((t1 - t0)) -v t="$CLK_TCK" -v n="$req" 'BEGIN { printf "%.3f", d / t * 1000 / n }')
    R_CORES[$alg]=$(awk -v d=$((t1 - t0)) -v t="$CLK_TCK" -v a="$w0" -v b="$w1" 'BEGIN { printf "%.2f", d / t / (b - a) }')
    if [ -n "$gc0" ] && [ -n "$gc1" ]; then
      R_GC[$alg]=$(awk -v a="$gc0" -v b="$gc1" -v n="$req" 'BEGIN { printf "%.3f", (b - a) * 1000 / n }')
    else
      R_GC[$alg]="n/a"
    fi
    # where the machine's CPU went during the measured run: server, wrk, kernel softirq, the rest
    wrk_cpu=$(awk '{ print $1 + $2 }' "$OUT/wrk-$alg.cpu")
    R_OTHER[$alg]=$(awk -v m=$((m1 - m0)) -v q=$((q1 - q0)) -v srv=$((t1 - t0)) -v w="$wrk_cpu" -v t="$CLK_TCK" \
      -v a="$w0" -v b="$w1" 'BEGIN { d = b - a; x = (m - q - srv) / t / d - w / d; printf "%.2f", x < 0 ? 0 : x }')
    R_MACHINE[$alg]=$(awk -v q=$((q1 - q0)) -v st=$((s1 - s0)) -v srv=$((t1 - t0)) -v w="$wrk_cpu" -v t="$CLK_TCK" \
      -v a="$w0" -v b="$w1" -v o="${R_OTHER[$alg]}" 'BEGIN { d = b - a;
        printf "server %.2f, wrk %.2f, softirq %.2f, other processes %.2f, steal %.2f cores",
          srv / t / d, w / d, q / t / d, o, st / t / d }')
    log "$alg: $line"
    log "$alg: machine CPU during the run: ${R_MACHINE[$alg]} (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    log "$alg: server CPU $(( t1 - t0 )) ticks = ${R_CPU[$alg]} ms/token (${R_CORES[$alg]} cores busy on average), GC ${R_GC[$alg]} ms/token"
    log "$alg: server CPU by thread:"
    thread_breakdown "$OUT/threads-$alg-before.tsv" "$OUT/threads-$alg-after.tsv" "$req" | tee "$OUT/threads-$alg.txt" >&2
    status_errors=$(kv non2xx "$line")
    if (( status_errors != 0 )); then
      log "$alg: FAIL: $status_errors non-2xx responses (see $OUT/wrk-$alg.txt)"
      FAILED=1
    fi
    if awk -v o="${R_OTHER[$alg]}" -v m="$BENCH_MAX_OTHER" 'BEGIN { exit !(o > m) }'; then
      R_DISTURBED[$alg]=1
      if (( attempt <= BENCH_RETRIES )); then
        log "$alg: other processes used ${R_OTHER[$alg]} cores (> $BENCH_MAX_OTHER): disturbed run, measuring again"
        (( R_NON2XX[$alg] == status_errors )) || log "$alg: (socket errors in the disturbed run: $(kv socket_errors "$line"))"
        wait_idle
        continue
      fi
      log "$alg: WARNING: other processes used ${R_OTHER[$alg]} cores during the run: the figures are disturbed"
    else
      R_DISTURBED[$alg]=0
    fi
    if (( R_NON2XX[$alg] != status_errors )); then
      log "$alg: FAIL: $(kv socket_errors "$line") socket errors (connect/read/write/timeout; see $OUT/wrk-$alg.txt)"
      FAILED=1
    fi
    break
  done
  stop_server
done

# ---------------------------------------------------------------------------------------------------
# summary
MISSED=0
declare -A RATIO
check() { # description ok(1/0) measured
  local v=met
  if [ "$2" != 1 ]; then v=MISSED; MISSED=1; fi
  printf '  %-48s %-6s (%s)\n' "$1:" "$v" "$3"
}
{
  echo
  echo "Client-credentials token issuance: wrk -t$THREADS -c$CONNECTIONS -d$DURATION, client_secret_basic${JAVA_OPTS:+, JAVA_OPTS=$JAVA_OPTS}"
  printf '| %-5s | %8s | %6s | %6s | %12s | %12s | %5s | %6s |\n' alg "req/s" "p50 ms" "p99 ms" "CPU ms/token" "signature ms" ratio non2xx
  echo "|-------|----------|--------|--------|--------------|--------------|-------|--------|"
  for alg in $ALGS; do
    sig_ms=$(awk -v u="${SIG_US[$alg]}" 'BEGIN { printf "%.3f", u / 1000 }')
    RATIO[$alg]=$(awk -v c="${R_CPU[$alg]}" -v s="$sig_ms" 'BEGIN { printf "%.2f", c / s }')
    printf '| %-5s | %8.0f | %6.2f | %6.2f | %12s | %12s | %5s | %6s |\n' "$alg" "${R_RPS[$alg]}" "${R_P50[$alg]}" \
      "${R_P99[$alg]}" "${R_CPU[$alg]}" "$sig_ms" "${RATIO[$alg]}" "${R_NON2XX[$alg]}"
  done
  echo
  echo "Targets:"
  for alg in $ALGS; do
    tr=TARGET_RPS_$alg
    check "$alg tokens/s >= ${!tr}" "$(awk -v a="${R_RPS[$alg]}" -v b="${!tr}" 'BEGIN { print (a >= b) }')" "${R_RPS[$alg]}/s"
    check "$alg p99 <= $TARGET_P99_MS ms at $CONNECTIONS connections" "$(awk -v a="${R_P99[$alg]}" -v b="$TARGET_P99_MS" 'BEGIN { print (a <= b) }')" "${R_P99[$alg]} ms"
    check "$alg CPU per token <= $TARGET_RATIO x signature alone" "$(awk -v a="${RATIO[$alg]}" -v b="$TARGET_RATIO" 'BEGIN { print (a <= b) }')" "${RATIO[$alg]}x"
    check "$alg non-2xx responses and socket errors == 0" "$(( R_NON2XX[$alg] == 0 ))" "${R_NON2XX[$alg]}"
    if [ "${R_DISTURBED[$alg]}" = 1 ]; then
      echo "  ($alg: other processes used ${R_OTHER[$alg]} cores during the run: req/s and latency are understated)"
    fi
  done
  echo
  echo "Machine CPU during the measured runs (of $(nproc) cores):"
  for alg in $ALGS; do echo "  $alg: ${R_MACHINE[$alg]}"; done
  echo "GC time per token (jstat GCT):$(for alg in $ALGS; do printf ' %s %s ms;' "$alg" "${R_GC[$alg]}"; done)"
} >"$OUT/summary.txt"
cat "$OUT/summary.txt"

if (( FAILED )); then exit 1; fi
if (( MISSED )) && [ "$BENCH_STRICT" = 1 ]; then exit 1; fi
exit 0
}
