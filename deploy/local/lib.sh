# Helpers shared by up.sh and down.sh (sourced, not run). Expects ROOT and STATE to be set.
# Only bash built-ins and POSIX tools (ps, kill, sleep) are used, so it runs on a bare Linux or macOS.

say() { printf '[forge] %s\n' "$*"; }
warn() { printf '[forge] warning: %s\n' "$*" >&2; }
die() {
    printf '[forge] error: %s\n' "$*" >&2
    exit 1
}

# What the command line of a process we started contains; a pid file whose process does not match
# (a stale file after a reboot, the pid reused by something else) is never acted upon.
signature() {
    case "$1" in
        infra) echo "dev.forgeauth.testing.LocalInfraMain" ;;
        *) echo "$1/target/quarkus-app/quarkus-run.jar" ;;
    esac
}

# pid_of NAME: the pid from NAME's pid file, when that process is alive and is the one we started
pid_of() {
    local file="$STATE/$1.pid" pid args
    [ -f "$file" ] || return 1
    pid="$(tr -dc '0-9' <"$file")"
    [ -n "$pid" ] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    args="$(ps -ww -p "$pid" -o args= 2>/dev/null || true)"
    case "$args" in
        *"$(signature "$1")"*) echo "$pid" ;;
        *) return 1 ;;
    esac
}

pid_alive() { pid_of "$1" >/dev/null; }

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# http_status PORT PATH: prints the HTTP status of GET PATH on 127.0.0.1:PORT (no curl needed)
http_status() {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf 'GET %s HTTP/1.0\r\nHost: localhost:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&3
        IFS=' ' read -r -t 5 _proto code _rest <&3 || exit 1
        echo "$code"
    ) 2>/dev/null
}

rotate_log() {
    if [ -f "$1" ]; then
        mv -f "$1" "$1.1"
    fi
}

# signal_stop NAME: sends SIGTERM to NAME's process if it is ours; stale pid files are removed
signal_stop() {
    local pid
    if pid="$(pid_of "$1")"; then
        kill -TERM "$pid" 2>/dev/null || true
        say "stopping $1 (pid $pid)"
    else
        if [ -f "$STATE/$1.pid" ]; then
            say "$1 is not running (stale pid file removed)"
        fi
        rm -f "$STATE/$1.pid"
    fi
}

# await_stop NAME...: waits up to 20 s for the processes to exit, then SIGKILLs what is left
await_stop() {
    local waited=0 name pid left
    while :; do
        left=""
        for name in "$@"; do
            if pid_alive "$name"; then
                left="$left $name"
            fi
        done
        [ -n "$left" ] || break
        if [ "$waited" -ge 20 ]; then
            for name in $left; do
                if pid="$(pid_of "$name")"; then
                    warn "$name (pid $pid) did not stop within 20 s: SIGKILL"
                    kill -KILL "$pid" 2>/dev/null || true
                fi
            done
            sleep 1
            break
        fi
        sleep 1
        waited=$((waited + 1))
    done
    for name in "$@"; do
        rm -f "$STATE/$name.pid"
    done
}

# stop_pid NAME: stops one process we started and removes its pid file
stop_pid() {
    signal_stop "$1"
    await_stop "$1"
}
