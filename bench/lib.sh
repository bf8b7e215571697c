# Helpers shared by the bench scripts (sourced, not run). Each script still sets its own variables
# (PG_HOST/PG_PORT/PG_USER for psql_admin, CLK_TCK and BENCH_WAIT_IDLE for wait_idle) and defines
# machine_ticks itself (the fields after the first differ by script; wait_idle reads only the first).

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

secs() { # "20" or "20s" -> "20s"; other wrk units (1m) pass through
  case "$1" in *[0-9]) echo "${1}s" ;; *) echo "$1" ;; esac
}

kv() { # kv KEY LINE -> value of KEY=value in LINE
  sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<" $2"
}

json_str() { # json_str NAME JSON -> the string value of "NAME" (flat JSON, no escapes needed here)
  sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" <<<"$2"
}

basic() { printf 'Basic %s' "$(printf '%s:%s' "$1" "$2" | base64 -w0)"; }

psql_admin() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

proc_ticks() { # utime+stime (clock ticks) of processes (all threads); 0 for a process that is gone
  local pid stat rest sum=0
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    rest=${stat##*) }                     # fields from 3 (state) on; comm may hold spaces
    # shellcheck disable=SC2086
    set -- $rest
    sum=$(( sum + ${12} + ${13} ))        # fields 14 and 15
  done
  echo "$sum"
}

thread_ticks() { # one line per thread: "tid<TAB>name<TAB>ticks"
  local t stat name rest
  for t in /proc/"$1"/task/*; do
    stat=$(cat "$t/stat" 2>/dev/null) || continue
    name=${stat#*(}; name=${name%) *}
    rest=${stat##*) }
    # shellcheck disable=SC2086
    set -- $rest
    printf '%s\t%s\t%s\n' "${t##*/}" "$name" $(( ${12} + ${13} ))
  done
}

gc_seconds() { # total GC time (s) from jstat, or "" when jstat is unavailable
  command -v jstat >/dev/null 2>&1 || { echo ""; return; }
  jstat -gc "$1" 2>/dev/null | awk 'NR==1 { for (i=1;i<=NF;i++) if ($i=="GCT") c=i } NR==2 && c { print $c }'
}

wait_idle() { # up to BENCH_WAIT_IDLE seconds for the machine to be quiet (< 0.2 busy cores over 3 s)
  (( BENCH_WAIT_IDLE > 0 )) || return 0
  local deadline=$((SECONDS + BENCH_WAIT_IDLE)) a b busy
  while :; do
    read -r a _ < <(machine_ticks); sleep 3; read -r b _ < <(machine_ticks)
    busy=$(awk -v d=$((b - a)) -v t="$CLK_TCK" 'BEGIN { printf "%.2f", d / t / 3 }')
    if awk -v x="$busy" 'BEGIN { exit !(x < 0.2) }'; then log "machine quiet ($busy cores busy)"; return 0; fi
    if (( SECONDS >= deadline )); then log "WARNING: machine still busy ($busy cores) after ${BENCH_WAIT_IDLE}s; going on"; return 0; fi
    log "machine busy ($busy cores), waiting"
    sleep 5
  done
}

thread_breakdown() { # before-file after-file requests -> CPU by thread group, µs/request (token-issuance.sh has its own, in ms per token)
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
        printf "    %7.1f us/request %5.1f%%  %s\n", sum[g] / tck * 1e6 / req, 100 * sum[g] / total, g
    }' "$1" "$2" | sort -rn
}

apt_install() { # package binary: installs the Debian package when the binary is missing (as root with apt)
  command -v "$2" >/dev/null 2>&1 && return 0
  log "$2 is not installed. Install it with:  apt-get install -y $1   (Debian/Ubuntu package '$1')"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "running as root with apt: installing $1"
    # a package's own service (nginx) is not wanted: the bench runs it itself (containers usually deny
    # service starts through /usr/sbin/policy-rc.d anyway)
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "$1" >&2; then
      DEBIAN_FRONTEND=noninteractive apt-get update >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y "$1" >&2
    fi
  fi
  command -v "$2" >/dev/null 2>&1 || die "$2 is required (apt-get install -y $1)"
}

stop_pid() { # pid name: TERM, then up to 40 s (Quarkus drains requests for up to 20 s), then KILL
  local pid=$1
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$2 ($pid) did not stop in 40 s, killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}
