#!/usr/bin/env bash
# Revocation propagation delay: "POST /oauth/revoke returned" -> "every introspection instance answers
# {"active":false}", over COUNT revocations, with TWO token-introspection-service instances.
#
# Starts its own auth-service and two introspection instances (own database, own ports, random per-run
# KEK; the real Redis on 127.0.0.1:6379 by default), then runs bench/RevocationDelay.java against them
# (mint a token, confirm active on both, revoke, poll both in a tight loop until inactive; see that file)
# and prints count, p50, p90, p99 and max in ms, against the target p99 <= 100 ms. The servers it
# started are stopped on exit, whatever happens.
#
# Usage:   bench/revocation-delay.sh
# Env:     COUNT=500  WARMUP_COUNT=100  POLL_PAUSE_US=0 (pause between polls of one instance)
#          WARM_SECONDS=10         before measuring, wrk loads each introspection instance this long (when
#                                  wrk is installed), so that the JIT has compiled the introspection path:
#                                  a service in production is warm, and a cold one answers 5-10x slower
#          JAVA_OPTS=""            extra JVM flags for the introspection instances
#          AUTH_JAVA_OPTS=""       extra JVM flags for the auth-service
#          BENCH_AUTH_PORT=18781  BENCH_INTROSPECTION_PORTS="18782 18783"
#          BENCH_DB=forgeauth_bench_revocation   (dropped and recreated at start, dropped at exit)
#          BENCH_TRUSTED_PROXIES="127.0.0.1,[::1]"  passed as FORGE_TRUSTED_PROXIES (see token-issuance.sh)
#          BENCH_OUT=<dir>         where logs go (default: a new /tmp/revocation-bench.XXXXXX)
#          BENCH_STRICT=1          exit 1 when the target is missed
#          FORGE_PG_HOST/PORT/USER/PASSWORD, FORGE_REDIS_HOST/PORT as for the services themselves
# Needs:   java 17, psql, curl, a running PostgreSQL and Redis.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR="$ROOT/bench"
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

COUNT=${COUNT:-500}
WARMUP_COUNT=${WARMUP_COUNT:-100}
WARM_SECONDS=${WARM_SECONDS:-10}
POLL_PAUSE_US=${POLL_PAUSE_US:-0}
JAVA_OPTS=${JAVA_OPTS:-}
AUTH_JAVA_OPTS=${AUTH_JAVA_OPTS:-}
AUTH_PORT=${BENCH_AUTH_PORT:-18781}
INTRO_PORTS=${BENCH_INTROSPECTION_PORTS:-"18782 18783"}
DB=${BENCH_DB:-forgeauth_bench_revocation}
BENCH_STRICT=${BENCH_STRICT:-0}
TRUSTED_PROXIES=${BENCH_TRUSTED_PROXIES:-"127.0.0.1,[::1]"}
ADMIN_ID=forge-admin
ADMIN_SECRET=forge-admin-secret

PG_HOST=${FORGE_PG_HOST:-127.0.0.1}
PG_PORT=${FORGE_PG_PORT:-5432}
PG_USER=${FORGE_PG_USER:-postgres}
export PGPASSWORD=${FORGE_PG_PASSWORD:-}

TARGET_P99_MS=100

# ---------------------------------------------------------------------------------------------------
# cleanup: stop the servers we started (and only those), drop the bench database
PIDS=()
APP_COPY=""
cleanup() {
  local rc=$? i
  # introspection instances first, the auth-service (the first started) last
  for (( i = ${#PIDS[@]} - 1; i >= 0; i-- )); do stop_pid "${PIDS[$i]}" "server"; done
  PIDS=()
  psql_admin -c "drop database if exists $DB with (force)" >/dev/null 2>&1 || true
  [ -n "$APP_COPY" ] && rm -rf "$APP_COPY"
  [ -n "${OUT:-}" ] && log "logs kept in $OUT"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v java >/dev/null || die "java is required"
command -v psql >/dev/null || die "psql is required (apt-get install -y postgresql-client)"
command -v curl >/dev/null || die "curl is required"
psql_admin -c 'select 1' >/dev/null || die "cannot reach PostgreSQL at $PG_HOST:$PG_PORT as $PG_USER"
(( COUNT >= 1 )) || die "COUNT must be at least 1"

OUT=${BENCH_OUT:-$(mktemp -d /tmp/revocation-bench.XXXXXX)}
mkdir -p "$OUT"

AUTH_JAR="$ROOT/auth-service/target/quarkus-app/quarkus-run.jar"
INTRO_JAR="$ROOT/token-introspection-service/target/quarkus-app/quarkus-run.jar"
if [ ! -f "$AUTH_JAR" ] || [ ! -f "$INTRO_JAR" ]; then
  log "building auth-service and token-introspection-service (jar missing)"
  (cd "$ROOT" && ./mvnw -B -q install -DskipTests -pl auth-service,token-introspection-service -am) || die "build failed"
fi
# Run from private copies so a concurrent rebuild of target/ cannot change the jars under the servers.
APP_COPY=$(mktemp -d /tmp/revocation-bench-app.XXXXXX)
mkdir -p "$APP_COPY/auth" "$APP_COPY/introspection"
cp -a "$ROOT/auth-service/target/quarkus-app/." "$APP_COPY/auth/"
cp -a "$ROOT/token-introspection-service/target/quarkus-app/." "$APP_COPY/introspection/"
log "jars: $AUTH_JAR (built $(date -u -r "$AUTH_JAR" '+%Y-%m-%d %H:%M:%SZ')), $INTRO_JAR (built $(date -u -r "$INTRO_JAR" '+%Y-%m-%d %H:%M:%SZ')), git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"

for p in $AUTH_PORT $INTRO_PORTS; do
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$p/"; then
    die "something already listens on port $p; set BENCH_AUTH_PORT / BENCH_INTROSPECTION_PORTS"
  fi
done

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

machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# ---------------------------------------------------------------------------------------------------
log "output: $OUT"
{
  echo "date: $(date -u)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "nproc: $(nproc)   cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)   mem: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  java -version 2>&1 | head -1
  echo "COUNT=$COUNT (after $WARMUP_COUNT warm-up), POLL_PAUSE_US=$POLL_PAUSE_US, introspection ports $INTRO_PORTS, JAVA_OPTS='$JAVA_OPTS', Redis ${FORGE_REDIS_HOST:-127.0.0.1}:${FORGE_REDIS_PORT:-6379}"
} | tee "$OUT/machine.txt"

psql_admin -c "drop database if exists $DB with (force)" >/dev/null
psql_admin -c "create database $DB" >/dev/null
KEK=$(head -c32 /dev/urandom | base64)

log "starting auth-service on port $AUTH_PORT, database $DB"
# shellcheck disable=SC2086
FORGE_KEK="$KEK" \
FORGE_BOOTSTRAP_CLIENT_ID="$ADMIN_ID" FORGE_BOOTSTRAP_CLIENT_SECRET="$ADMIN_SECRET" \
FORGE_AUTH_PORT="$AUTH_PORT" FORGE_PG_DATABASE="$DB" FORGE_KEYS_PUBLISH_DELAY=0s \
FORGE_TRUSTED_PROXIES="$TRUSTED_PROXIES" \
  java $AUTH_JAVA_OPTS -jar "$APP_COPY/auth/quarkus-run.jar" >"$OUT/auth-service.log" 2>&1 &
PIDS+=($!)
await_ready auth-service "$AUTH_PORT" "${PIDS[0]}" "$OUT/auth-service.log"

URLS=""
n=0
for p in $INTRO_PORTS; do
  n=$((n + 1))
  log "starting token-introspection-service #$n on port $p"
  # shellcheck disable=SC2086
  FORGE_KEK="$KEK" FORGE_JWKS_URL="http://127.0.0.1:$AUTH_PORT/oauth/jwks" \
  FORGE_INTROSPECTION_PORT="$p" FORGE_PG_DATABASE="$DB" FORGE_TRUSTED_PROXIES="$TRUSTED_PROXIES" \
    java $JAVA_OPTS -jar "$APP_COPY/introspection/quarkus-run.jar" >"$OUT/introspection-$n.log" 2>&1 &
  PIDS+=($!)
  URLS+="${URLS:+,}http://127.0.0.1:$p"
done
n=0
for p in $INTRO_PORTS; do
  n=$((n + 1))
  await_ready "token-introspection-service #$n" "$p" "${PIDS[$n]}" "$OUT/introspection-$n.log"
done

if (( WARM_SECONDS > 0 )) && command -v wrk >/dev/null 2>&1; then
  r=$(curl -s -u "$ADMIN_ID:$ADMIN_SECRET" -d grant_type=client_credentials "http://127.0.0.1:$AUTH_PORT/oauth/token")
  warm_token=$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' <<<"$r")
  [ -n "$warm_token" ] || die "no token for the warm-up: $r"
  log "warming the introspection instances up: wrk -c8 ${WARM_SECONDS}s on each, one after the other"
  for p in $INTRO_PORTS; do
    BENCH_TOKEN="$warm_token" BENCH_CLIENT_ID="$ADMIN_ID" BENCH_CLIENT_SECRET="$ADMIN_SECRET" \
      wrk -t1 -c8 -d"${WARM_SECONDS}s" -s "$BENCH_DIR/introspection-request.lua" "http://127.0.0.1:$p/oauth/introspect" \
      >"$OUT/warmup-$p.txt" 2>&1 || die "wrk warm-up failed (see $OUT/warmup-$p.txt)"
  done
  grep -h '^WRK ' "$OUT"/warmup-*.txt | sed 's/^/    /' >&2 || true
fi

log "measuring $COUNT revocations (bench/RevocationDelay.java)"
m0=$(machine_ticks); w0=$(date +%s.%N)
java "$BENCH_DIR/RevocationDelay.java" --auth "http://127.0.0.1:$AUTH_PORT" --introspect "$URLS" \
  --admin "$ADMIN_ID:$ADMIN_SECRET" --count "$COUNT" --warmup "$WARMUP_COUNT" --pause-us "$POLL_PAUSE_US" \
  | tee "$OUT/delay.txt" || die "RevocationDelay failed (see $OUT/delay.txt)"
m1=$(machine_ticks); w1=$(date +%s.%N)
busy=$(awk -v d=$((m1 - m0)) -v t="$(getconf CLK_TCK)" -v a="$w0" -v b="$w1" 'BEGIN { printf "%.2f", d / t / (b - a) }')

line=$(grep '^DELAY ' "$OUT/delay.txt") || die "no DELAY line (see $OUT/delay.txt)"
p99=$(kv p99_ms "$line")
MISSED=0
{
  echo
  echo "Revocation delay, $(grep -o '^[0-9]* revocations.*' "$OUT/delay.txt")"
  echo "| count | p50 ms | p90 ms | p99 ms | max ms | timeouts |"
  echo "|-------|--------|--------|--------|--------|----------|"
  printf '| %5s | %6s | %6s | %6s | %6s | %8s |\n' "$(kv count "$line")" "$(kv p50_ms "$line")" "$(kv p90_ms "$line")" \
    "$p99" "$(kv max_ms "$line")" "$(kv timeouts "$line")"
  echo
  if awk -v a="$p99" -v b="$TARGET_P99_MS" 'BEGIN { exit !(a <= b) }'; then
    echo "Target: p99 <= $TARGET_P99_MS ms: met ($p99 ms)"
  else
    echo "Target: p99 <= $TARGET_P99_MS ms: MISSED ($p99 ms)"; MISSED=1
  fi
  echo "Machine CPU during the run: $busy of $(nproc) cores busy (servers, poller and everything else)"
} | tee "$OUT/summary.txt"

if (( MISSED )) && [ "$BENCH_STRICT" = 1 ]; then exit 1; fi
exit 0
