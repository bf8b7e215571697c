#!/usr/bin/env bash
# Stops exactly what deploy/local/up.sh started: the processes named by the pid files in
# deploy/local/.state/ (SIGTERM, up to 20 s, then SIGKILL). The services stop first, then the
# PostgreSQL/Redis helper, which stops the embedded servers if it started any (real servers that were
# already running are not touched). Nothing without a pid file is ever signalled. Logs, the local
# key-encryption key and embedded PostgreSQL data are kept. FORGE_STATE_DIR as for up.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${FORGE_STATE_DIR:-$ROOT/deploy/local/.state}"
# shellcheck source=deploy/local/lib.sh
. "$ROOT/deploy/local/lib.sh"

if [ ! -d "$STATE" ]; then
    say "nothing to stop"
    exit 0
fi

SERVICES="gateway token-introspection-service echo-upstream auth-service"
for name in $SERVICES; do
    signal_stop "$name"
done
# shellcheck disable=SC2086
await_stop $SERVICES

stop_pid infra
rm -f "$STATE/infra.env" "$STATE/database"
say "stopped"
