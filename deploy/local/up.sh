#!/usr/bin/env bash
# Starts the local Forge Auth stack: PostgreSQL + Redis (the ones on 127.0.0.1 when they answer,
# embedded ones otherwise), auth-service, token-introspection-service, gateway and the echo upstream.
#
#   deploy/local/up.sh              build what is missing or stale, start what is not running, wait until ready
#   FORGE_REBUILD=1 deploy/local/up.sh   force the Maven build (the stack must be stopped first)
#   deploy/local/down.sh            stop exactly what this script started
# Optional: FORGE_{AUTH,INTROSPECTION,GATEWAY,ECHO}_PORT, FORGE_BIND_HOST (default 127.0.0.1),
# FORGE_JAVA_OPTS (extra JVM options), FORGE_PG_*/FORGE_REDIS_* (where to look for the servers),
# FORGE_PG_DATABASE (default forgeauth), FORGE_STATE_DIR (default deploy/local/.state: pid files, logs, the
# local KEK; down.sh must be given the same), FORGE_NO_BUILD=1 (fail instead of building when an artifact is
# missing or stale: tests that run the stack after the reactor built it).
#
# Idempotent: a process that is already running is left alone. State (pid files, logs, the local
# key-encryption key, embedded PostgreSQL data) lives in deploy/local/.state/.
# Needs only bash and a JDK 17+ (java on the PATH or JAVA_HOME); no curl, psql or pg_isready.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${FORGE_STATE_DIR:-$ROOT/deploy/local/.state}"
DATABASE="${FORGE_PG_DATABASE:-forgeauth}"
case "$DATABASE" in
    "" | [!a-z_]* | *[!a-z0-9_]*) echo "[forge] error: FORGE_PG_DATABASE must match [a-z_][a-z0-9_]*" >&2; exit 1 ;;
esac
READY_TIMEOUT="${FORGE_READY_TIMEOUT:-90}"
INFRA_TIMEOUT="${FORGE_INFRA_TIMEOUT:-120}"

export FORGE_AUTH_PORT="${FORGE_AUTH_PORT:-8081}"
export FORGE_INTROSPECTION_PORT="${FORGE_INTROSPECTION_PORT:-8082}"
export FORGE_GATEWAY_PORT="${FORGE_GATEWAY_PORT:-8080}"
export FORGE_ECHO_PORT="${FORGE_ECHO_PORT:-8090}"
BOOTSTRAP_ID="forge-admin"
BOOTSTRAP_SECRET="forge-admin-secret"
# the gateway's own client (scope introspect only; auth-service seeds it): never the admin client
GATEWAY_CLIENT_ID="forge-gateway"
GATEWAY_CLIENT_SECRET="forge-gateway-secret"
DEMO_ID="demo-service"
DEMO_SECRET="demo-service-secret"
# the local stack has well-known credentials: listen on loopback only unless told otherwise
BIND_HOST="${FORGE_BIND_HOST:-127.0.0.1}"

# name module port, in start order (auth-service first: it runs the migrations)
SERVICES="auth-service:auth-service:$FORGE_AUTH_PORT
token-introspection-service:token-introspection-service:$FORGE_INTROSPECTION_PORT
echo-upstream:echo-upstream:$FORGE_ECHO_PORT
gateway:gateway:$FORGE_GATEWAY_PORT"

cd "$ROOT"
# shellcheck source=deploy/local/lib.sh
. "$ROOT/deploy/local/lib.sh"

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if ! command -v "$JAVA" >/dev/null 2>&1; then
    die "java not found: install a JDK 17 or newer and put it on the PATH (or set JAVA_HOME)"
fi

mkdir -p "$STATE"
chmod 700 "$STATE"

# ---------------------------------------------------------------------------------------------- build
testing_jar() {
    local f
    for f in "$ROOT"/forge-testing/target/forge-testing-*.jar; do
        case "$f" in *-sources.jar | *-tests.jar | *-javadoc.jar) continue ;; esac
        [ -f "$f" ] && { echo "$f"; return 0; }
    done
    return 1
}

# newer_than ARTIFACT PATH...: true when some file under PATH is newer than ARTIFACT
newer_than() {
    local artifact="$1"
    shift
    local p
    for p in "$@"; do
        [ -e "$p" ] || continue
        if [ -n "$(find "$p" -newer "$artifact" -type f -print 2>/dev/null | head -n 1)" ]; then
            return 0
        fi
    done
    return 1
}

MISSING=""
STALE=""
check_artifact() { # label artifact sources...
    local label="$1" artifact="$2"
    shift 2
    if [ ! -f "$artifact" ]; then
        MISSING="$MISSING $label"
    elif newer_than "$artifact" "$@"; then
        STALE="$STALE $label"
    fi
}

TJAR="$(testing_jar || true)"
if [ -z "$TJAR" ] || [ ! -d "$ROOT/forge-testing/target/lib" ] \
        || [ -z "$(ls -A "$ROOT/forge-testing/target/lib" 2>/dev/null)" ]; then
    MISSING="$MISSING forge-testing"
else
    check_artifact forge-testing "$TJAR" "$ROOT/pom.xml" "$ROOT/forge-testing/pom.xml" "$ROOT/forge-testing/src"
fi
while IFS=: read -r name module port; do
    check_artifact "$module" "$ROOT/$module/target/quarkus-app/quarkus-run.jar" \
        "$ROOT/pom.xml" "$ROOT/$module/pom.xml" "$ROOT/$module/src" "$ROOT/forge-core/pom.xml" "$ROOT/forge-core/src"
done <<EOF
$SERVICES
EOF

ANY_RUNNING=""
for name in infra $(echo "$SERVICES" | cut -d: -f1); do
    if pid_alive "$name"; then
        ANY_RUNNING="$ANY_RUNNING $name"
    fi
done

BUILD=""
if [ "${FORGE_REBUILD:-0}" = "1" ]; then
    if [ -n "$ANY_RUNNING" ]; then
        die "FORGE_REBUILD=1 but the stack is running (${ANY_RUNNING# }): run deploy/local/down.sh first"
    fi
    BUILD="forced by FORGE_REBUILD=1"
elif [ -n "$MISSING" ]; then
    BUILD="missing:$MISSING"
elif [ -n "$STALE" ]; then
    if [ -n "$ANY_RUNNING" ]; then
        # rebuilding under running JVMs would replace the jars they read from
        warn "sources changed since the last build of${STALE}, but the stack is running: it is left as it is."
        warn "to rebuild and restart: deploy/local/down.sh && deploy/local/up.sh"
    else
        BUILD="sources newer than the build:$STALE"
    fi
fi
if [ -n "$BUILD" ] && [ "${FORGE_NO_BUILD:-0}" = "1" ]; then
    die "a build is needed ($BUILD) but FORGE_NO_BUILD=1: build first (./mvnw -B -DskipTests package)"
fi
if [ -n "$BUILD" ]; then
    say "building ($BUILD): ./mvnw -B -q -DskipTests install"
    (cd "$ROOT" && ./mvnw -B -q -DskipTests install) || die "the Maven build failed"
    TJAR="$(testing_jar)" || die "forge-testing jar not found after the build"
fi

# --------------------------------------------------------------------------------------------- secrets
KEK_FILE="$STATE/kek"
if [ ! -s "$KEK_FILE" ]; then
    (
        umask 077
        head -c 32 /dev/urandom | base64 | tr -d '\n' >"$KEK_FILE.tmp"
        mv "$KEK_FILE.tmp" "$KEK_FILE"
    )
    say "generated a local key-encryption key in ${KEK_FILE#"$ROOT"/}"
fi
chmod 600 "$KEK_FILE"
FORGE_KEK="$(cat "$KEK_FILE")"

# ------------------------------------------------------------------------------------ PostgreSQL, Redis
# LocalInfraMain uses the servers on 127.0.0.1 (FORGE_PG_*/FORGE_REDIS_* to look elsewhere) when they
# answer and starts embedded ones otherwise; it creates the database and writes infra.env.
INFRA_ENV="$STATE/infra.env"
if pid_alive infra && [ -s "$INFRA_ENV" ]; then
    say "infra already running (pid $(cat "$STATE/infra.pid"))"
    running_db="$(cat "$STATE/database" 2>/dev/null || echo "$DATABASE")"
    if [ "$running_db" != "$DATABASE" ]; then
        warn "the running stack uses database '$running_db', not '$DATABASE': run deploy/local/down.sh first to switch"
        DATABASE="$running_db"
    fi
else
    if pid_alive infra; then
        stop_pid infra # running but without its env file: start over
    fi
    rm -f "$INFRA_ENV" "$STATE/infra.pid"
    [ -n "$TJAR" ] || die "forge-testing jar missing"
    rotate_log "$STATE/infra.log"
    nohup "$JAVA" ${FORGE_JAVA_OPTS:-} -cp "$TJAR:$ROOT/forge-testing/target/lib/*" \
        dev.forgeauth.testing.LocalInfraMain "$STATE" "$DATABASE" \
        </dev/null >"$STATE/infra.log" 2>&1 &
    echo $! >"$STATE/infra.pid"
    echo "$DATABASE" >"$STATE/database"
    say "starting PostgreSQL/Redis helper (pid $!, log ${STATE#"$ROOT"/}/infra.log)"
    waited=0
    while [ ! -s "$INFRA_ENV" ]; do
        if ! kill -0 "$(cat "$STATE/infra.pid")" 2>/dev/null; then
            tail -n 40 "$STATE/infra.log" >&2 || true
            rm -f "$STATE/infra.pid"
            die "the PostgreSQL/Redis helper exited"
        fi
        if [ "$waited" -ge "$INFRA_TIMEOUT" ]; then
            tail -n 40 "$STATE/infra.log" >&2 || true
            die "PostgreSQL/Redis not ready after ${INFRA_TIMEOUT}s (deploy/local/down.sh stops the helper)"
        fi
        sleep 1
        waited=$((waited + 1))
    done
fi
set -a
# shellcheck disable=SC1090
. "$INFRA_ENV"
set +a
if [ "${FORGE_EMBEDDED_PG:-false}" = "true" ]; then
    export FORGE_PG_PASSWORD=""
fi
export FORGE_PG_DATABASE="$DATABASE"
export FORGE_PG_PASSWORD="${FORGE_PG_PASSWORD:-}"

# ---------------------------------------------------------------------------------------------- services
start_service() { # name module port
    local name="$1" module="$2" port="$3"
    local jar="$ROOT/$module/target/quarkus-app/quarkus-run.jar"
    if pid_alive "$name"; then
        say "$name already running (pid $(cat "$STATE/$name.pid"))"
        return 0
    fi
    rm -f "$STATE/$name.pid"
    if port_open "$port"; then
        die "port $port is in use by a process up.sh did not start; stop it or set the port variable"
    fi
    [ -f "$jar" ] || die "$jar is missing: run deploy/local/down.sh, then up.sh (or FORGE_REBUILD=1)"
    rotate_log "$STATE/$name.log"
    FORGE_KEK="$FORGE_KEK" \
        FORGE_BOOTSTRAP_CLIENT_ID="$BOOTSTRAP_ID" \
        FORGE_BOOTSTRAP_CLIENT_SECRET="$BOOTSTRAP_SECRET" \
        FORGE_DEMO_CLIENT_ID="$DEMO_ID" \
        FORGE_SESSION_SECURE_COOKIE=false \
        FORGE_SHUTDOWN_DELAY="${FORGE_SHUTDOWN_DELAY:-0s}" \
        FORGE_DEMO_CLIENT_SECRET="$DEMO_SECRET" \
        FORGE_GATEWAY_CLIENT_ID="$GATEWAY_CLIENT_ID" \
        FORGE_GATEWAY_CLIENT_SECRET="$GATEWAY_CLIENT_SECRET" \
        FORGE_AUTH_URL="http://127.0.0.1:$FORGE_AUTH_PORT" \
        FORGE_JWKS_URL="http://127.0.0.1:$FORGE_AUTH_PORT/oauth/jwks" \
        FORGE_INTROSPECTION_URL="http://127.0.0.1:$FORGE_INTROSPECTION_PORT" \
        FORGE_ECHO_URL="http://127.0.0.1:$FORGE_ECHO_PORT" \
        QUARKUS_HTTP_HOST="$BIND_HOST" \
        nohup "$JAVA" ${FORGE_JAVA_OPTS:-} -jar "$jar" </dev/null >"$STATE/$name.log" 2>&1 &
    echo $! >"$STATE/$name.pid"
    say "starting $name on :$port (pid $!, log ${STATE#"$ROOT"/}/$name.log)"
}

log_tail() { # name: the end of its log, and a hint for the failures a newcomer meets
    echo "---- last 40 lines of ${STATE#"$ROOT"/}/$1.log" >&2
    tail -n 40 "$STATE/$1.log" >&2 || true
    echo "---- first errors:" >&2
    grep -m 3 -E '^[0-9-]+ [0-9:,]+ (ERROR|FATAL) ' "$STATE/$1.log" >&2 || true
    if grep -q "is forge.kek the key it was stored under" "$STATE/$1.log" 2>/dev/null; then
        warn "database '$DATABASE' holds signing keys encrypted under another key than deploy/local/.state/kek"
        warn "(it was set up by another run). Either drop it, e.g."
        warn "  psql -h $FORGE_PG_HOST -p $FORGE_PG_PORT -U $FORGE_PG_USER -c 'DROP DATABASE $DATABASE'"
        warn "and run up.sh again, or use a database of its own: FORGE_PG_DATABASE=forgeauth_local deploy/local/up.sh"
    fi
}

wait_ready() { # name port
    local name="$1" port="$2" waited=0 status
    while :; do
        status="$(http_status "$port" /q/health/ready || true)"
        if [ "$status" = "200" ]; then
            say "$name ready on :$port"
            return 0
        fi
        if ! pid_alive "$name"; then
            log_tail "$name"
            die "$name exited before it was ready"
        fi
        if [ "$waited" -ge "$READY_TIMEOUT" ]; then
            log_tail "$name"
            die "$name not ready after ${READY_TIMEOUT}s (last status: ${status:-no answer}); deploy/local/down.sh stops the stack"
        fi
        sleep 1
        waited=$((waited + 1))
    done
}

first=1
while IFS=: read -r name module port; do
    start_service "$name" "$module" "$port"
    if [ "$first" = 1 ]; then
        wait_ready "$name" "$port" # migrations first
        first=0
    fi
done <<EOF
$SERVICES
EOF
while IFS=: read -r name module port; do
    wait_ready "$name" "$port"
done <<EOF
$(echo "$SERVICES" | tail -n +2)
EOF

# ------------------------------------------------------------------------------------------------ info
pg_note=""
redis_note=""
[ "${FORGE_EMBEDDED_PG:-false}" = "true" ] && pg_note=" (embedded, data in deploy/local/.state/postgres)"
[ "${FORGE_EMBEDDED_REDIS:-false}" = "true" ] && redis_note=" (embedded)"
cat <<EOF

Forge Auth is running locally.
  gateway                      http://localhost:$FORGE_GATEWAY_PORT   (the front door: use this one)
  auth-service                 http://localhost:$FORGE_AUTH_PORT
  token-introspection-service  http://localhost:$FORGE_INTROSPECTION_PORT
  echo upstream                http://localhost:$FORGE_ECHO_PORT
  health                       /q/health/live  /q/health/ready  on each of them
  metrics / openapi            /q/metrics  /q/openapi  on gateway, auth-service, token-introspection-service
  PostgreSQL                   postgresql://$FORGE_PG_HOST:$FORGE_PG_PORT/$DATABASE (user $FORGE_PG_USER)$pg_note
  Redis                        redis://$FORGE_REDIS_HOST:$FORGE_REDIS_PORT$redis_note

Bootstrap admin client (scopes: admin introspect)
  client_id      $BOOTSTRAP_ID
  client_secret  $BOOTSTRAP_SECRET
Demo service client (scopes: deployment:read deployment:write infrastructure:read infrastructure:write)
  client_id      $DEMO_ID
  client_secret  $DEMO_SECRET

Get a token, then call an API through the gateway:
  curl -s -u $BOOTSTRAP_ID:$BOOTSTRAP_SECRET -d grant_type=client_credentials http://localhost:$FORGE_GATEWAY_PORT/oauth/token
  TOKEN=\$(curl -s -u $DEMO_ID:$DEMO_SECRET -d grant_type=client_credentials -d scope=deployment:read \\
    http://localhost:$FORGE_GATEWAY_PORT/oauth/token | sed 's/.*"access_token":"\([^"]*\)".*/\\1/')
  curl -s -H "Authorization: Bearer \$TOKEN" http://localhost:$FORGE_GATEWAY_PORT/api/v1/deployments

Logs: ${STATE#"$ROOT"/}/*.log    Stop: deploy/local/down.sh
EOF
