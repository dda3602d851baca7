#!/usr/bin/env bash
# Throwaway PostgreSQL 15 primary + streaming replica for the integration tests.
#
# Usage: scripts/pg-cluster.sh <command> DIR
#
#   start DIR          (re)create a primary and a streaming replica under DIR,
#                      write DIR/env and print its path
#   stop DIR           stop both servers (immediate) and remove DIR
#   stop-primary DIR   stop the primary only   (fault tests)
#   start-primary DIR  start the primary again (same port)
#   stop-replica DIR   stop the replica only   (fault tests)
#   start-replica DIR  start the replica again (same port), wait until it
#                      accepts connections and is in recovery
#   wait-replay DIR    wait until the replica has replayed everything the
#                      primary had written when the command started
#   ensure-bin         install the PostgreSQL 15 Debian package if missing
#
# Everything listens on 127.0.0.1 only; sockets live in DIR. All pg binaries run
# as the `postgres` OS user (the server refuses to run as root).
#
# Environment knobs: PG_CLUSTER_TIMEOUT (seconds, default 60) bounds each wait.

set -euo pipefail

PG_VERSION=15
PG_BIN="${PG_BIN:-/usr/lib/postgresql/${PG_VERSION}/bin}"
PG_USER=postgres
DB_NAME=expire_bot
MARKER=.expire-bot-pg-cluster
TIMEOUT="${PG_CLUSTER_TIMEOUT:-60}"

log() { printf 'pg-cluster: %s\n' "$*" >&2; }
die() { printf 'pg-cluster: error: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 2
}

# ---------------------------------------------------------------- binaries --

ensure_bin() {
    if [[ -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" && -x "$PG_BIN/psql" ]] \
        && id -u "$PG_USER" >/dev/null 2>&1; then
        return 0
    fi
    log "PostgreSQL $PG_VERSION not found in $PG_BIN; installing the Debian package"
    [[ $(id -u) -eq 0 ]] || die "PostgreSQL $PG_VERSION is missing and installing it needs root"
    command -v apt-get >/dev/null || die "PostgreSQL $PG_VERSION is missing and apt-get is not available"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y --no-install-recommends postgresql >&2
    [[ -x "$PG_BIN/initdb" ]] \
        || die "installed 'postgresql' but $PG_BIN/initdb is still missing (not PostgreSQL $PG_VERSION?)"
    id -u "$PG_USER" >/dev/null 2>&1 || die "OS user '$PG_USER' does not exist after install"
}

check_bin() {
    [[ -x "$PG_BIN/pg_ctl" ]] || die "$PG_BIN/pg_ctl not found; run '$0 ensure-bin' (or scripts/test.sh)"
    id -u "$PG_USER" >/dev/null 2>&1 || die "OS user '$PG_USER' does not exist"
    command -v runuser >/dev/null || die "runuser not found (util-linux)"
}

# Run a PostgreSQL binary as the postgres user.
as_pg() {
    local bin=$1
    shift
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$PG_USER" -- "$PG_BIN/$bin" "$@"
    elif [[ $(id -un) == "$PG_USER" ]]; then
        "$PG_BIN/$bin" "$@"
    else
        die "must run as root (or as $PG_USER)"
    fi
}

# psql PORT SQL  -> prints the single unaligned result
pg_query() {
    local port=$1 sql=$2
    as_pg psql -h 127.0.0.1 -p "$port" -U "$PG_USER" -d "${3:-postgres}" \
        -X -A -t -q -v ON_ERROR_STOP=1 -c "$sql"
}

# ------------------------------------------------------------------- ports --

port_in_use() {
    ss -Htan "( sport = :$1 )" 2>/dev/null | grep -q .
}

# Prints two distinct free TCP ports on 127.0.0.1.
pick_ports() {
    if command -v python3 >/dev/null 2>&1; then
        python3 - <<'EOF' && return 0
import socket
socks = []
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
    fi
    # Fallback: random high ports checked with ss.
    local found=() p tries=0
    while ((${#found[@]} < 2)); do
        ((tries++ < 1000)) || die "could not find two free TCP ports"
        p=$((20000 + RANDOM % 30000))
        [[ ${#found[@]} -eq 1 && ${found[0]} -eq $p ]] && continue
        port_in_use "$p" || found+=("$p")
    done
    echo "${found[*]}"
}

# ------------------------------------------------------------------ helpers --

abs_dir() {
    [[ -n "${1:-}" ]] || usage
    local d=$1
    [[ $d == /* ]] || d="$PWD/$d"
    # normalise trailing slashes
    d="${d%/}"
    [[ -n $d && $d != / ]] || die "refusing to use '/' as cluster dir"
    echo "$d"
}

require_cluster() {
    [[ -f "$DIR/$MARKER" ]] || die "$DIR is not a cluster made by '$0 start'"
}

conf_port() { # DATADIR -> port from its config (last assignment wins)
    local port
    port=$(grep -hE '^[[:space:]]*port[[:space:]]*=' "$1/postgresql.conf" "$1/postgresql.auto.conf" 2>/dev/null \
        | tail -n1 | sed -E "s/^[^=]*=[[:space:]]*'?([0-9]+).*/\1/")
    [[ -n $port ]] || die "no port configured in $1"
    echo "$port"
}

is_running() { # DATADIR
    [[ -f "$1/postmaster.pid" ]] && as_pg pg_ctl -D "$1" status >/dev/null 2>&1
}

start_server() { # DATADIR LOGFILE NAME
    local data=$1 logf=$2 name=$3
    if is_running "$data"; then
        log "$name already running"
        return 0
    fi
    if ! as_pg pg_ctl -D "$data" -l "$logf" -w -t "$TIMEOUT" start >/dev/null; then
        log "$name failed to start; last lines of $logf:"
        tail -n 30 "$logf" >&2 || true
        die "could not start $name"
    fi
}

stop_server() { # DATADIR NAME
    local data=$1 name=$2
    [[ -d $data ]] || return 0
    if [[ -f "$data/postmaster.pid" ]]; then
        as_pg pg_ctl -D "$data" -m immediate -w -t "$TIMEOUT" stop >/dev/null 2>&1 \
            || log "($name was not running)"
    fi
}

wait_ready() { # PORT NAME
    local port=$1 name=$2 deadline=$((SECONDS + TIMEOUT))
    until as_pg pg_isready -q -h 127.0.0.1 -p "$port" -U "$PG_USER" -d postgres; do
        ((SECONDS < deadline)) || die "$name on port $port not accepting connections after ${TIMEOUT}s"
        sleep 0.1
    done
}

wait_replica_ready() {
    local rport deadline=$((SECONDS + TIMEOUT)) r
    rport=$(conf_port "$DIR/replica")
    wait_ready "$rport" replica
    while :; do
        r=$(pg_query "$rport" "SELECT pg_is_in_recovery()" 2>/dev/null || true)
        [[ $r == t ]] && break
        ((SECONDS < deadline)) || die "replica on port $rport is not in recovery (got '${r}')"
        sleep 0.1
    done
}

# ---------------------------------------------------------------- commands --

cmd_stop() {
    [[ -e $DIR ]] || return 0
    if [[ ! -f "$DIR/$MARKER" ]]; then
        # Allow an empty dir (e.g. fresh mktemp -d); refuse anything else.
        rmdir "$DIR" 2>/dev/null && return 0
        die "$DIR exists but is not a cluster made by '$0 start'; not removing it"
    fi
    stop_server "$DIR/replica" replica
    stop_server "$DIR/primary" primary
    rm -rf -- "$DIR"
}

cmd_start() {
    ensure_bin
    check_bin
    local t0=$SECONDS
    if [[ -e $DIR ]]; then
        if [[ -f "$DIR/$MARKER" ]]; then
            log "$DIR holds an old cluster; stopping and removing it"
            cmd_stop
        elif [[ -n $(ls -A "$DIR") ]]; then
            die "$DIR exists, is not empty and is not a cluster made by '$0 start'"
        fi
    fi
    mkdir -p "$DIR"
    # postgres must be able to reach DIR: parents need o+x.
    local p=$DIR
    while p=$(dirname "$p") && [[ $p != / ]]; do
        runuser -u "$PG_USER" -- test -x "$p" \
            || die "the $PG_USER user cannot enter $p (needs o+x); choose another DIR"
    done
    touch "$DIR/$MARKER"
    chmod 755 "$DIR"
    chown "$PG_USER:" "$DIR"

    local ports pport rport
    ports=$(pick_ports)
    read -r pport rport <<<"$ports"
    [[ -n $pport && -n $rport ]] || die "could not pick ports"
    log "primary port $pport, replica port $rport"

    local primary="$DIR/primary" replica="$DIR/replica"
    as_pg initdb -D "$primary" -A trust -U "$PG_USER" --encoding=UTF8 --locale=C.UTF-8 \
        --no-sync >"$DIR/initdb.log" 2>&1 \
        || { tail -n 30 "$DIR/initdb.log" >&2; die "initdb failed (see $DIR/initdb.log)"; }

    cat >>"$primary/postgresql.conf" <<EOF

# ---- expire-bot test cluster (scripts/pg-cluster.sh) ----
listen_addresses = '127.0.0.1'
port = $pport
unix_socket_directories = '$DIR'
wal_level = replica
max_wal_senders = 10
wal_keep_size = '512MB'
hot_standby = on
hot_standby_feedback = on
# replica reconnects quickly after a primary restart (fault tests)
wal_retrieve_retry_interval = '100ms'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    cat >"$primary/pg_hba.conf" <<EOF
# expire-bot test cluster: trust on loopback only
local   all          all                     trust
local   replication  all                     trust
host    all          all          127.0.0.1/32  trust
host    replication  all          127.0.0.1/32  trust
EOF

    start_server "$primary" "$DIR/primary.log" primary
    wait_ready "$pport" primary
    # Create the database before the base backup so the replica has it at once.
    pg_query "$pport" "CREATE DATABASE $DB_NAME" >/dev/null

    as_pg pg_basebackup -h 127.0.0.1 -p "$pport" -U "$PG_USER" -D "$replica" \
        -R -X stream -c fast --no-sync >"$DIR/basebackup.log" 2>&1 \
        || { tail -n 30 "$DIR/basebackup.log" >&2; die "pg_basebackup failed"; }
    printf '\n# replica\nport = %s\n' "$rport" >>"$replica/postgresql.conf"

    start_server "$replica" "$DIR/replica.log" replica
    wait_replica_ready

    cat >"$DIR/env" <<EOF
export PRIMARY_PORT=$pport
export REPLICA_PORT=$rport
export PG_ADMIN_PRIMARY_URL=postgres://postgres@127.0.0.1:$pport/$DB_NAME
export PG_ADMIN_REPLICA_URL=postgres://postgres@127.0.0.1:$rport/$DB_NAME
export PG_BIN=$PG_BIN
export PG_CLUSTER_DIR=$DIR
EOF
    chmod 644 "$DIR/env"
    log "cluster up in $((SECONDS - t0))s"
    echo "$DIR/env"
}

cmd_stop_one() { # primary|replica
    require_cluster
    check_bin
    stop_server "$DIR/$1" "$1"
}

cmd_start_primary() {
    require_cluster
    check_bin
    start_server "$DIR/primary" "$DIR/primary.log" primary
    wait_ready "$(conf_port "$DIR/primary")" primary
}

cmd_start_replica() {
    require_cluster
    check_bin
    start_server "$DIR/replica" "$DIR/replica.log" replica
    wait_replica_ready
}

cmd_wait_replay() {
    require_cluster
    check_bin
    local pport rport target r deadline=$((SECONDS + TIMEOUT))
    pport=$(conf_port "$DIR/primary")
    rport=$(conf_port "$DIR/replica")
    target=$(pg_query "$pport" "SELECT pg_current_wal_insert_lsn()") \
        || die "cannot query primary on port $pport"
    while :; do
        r=$(pg_query "$rport" \
            "SELECT coalesce(pg_last_wal_replay_lsn() >= '$target'::pg_lsn, false)" 2>/dev/null || true)
        [[ $r == t ]] && return 0
        ((SECONDS < deadline)) || die "replica (port $rport) did not replay up to $target within ${TIMEOUT}s"
        sleep 0.05
    done
}

# -------------------------------------------------------------------- main --

[[ $# -ge 1 ]] || usage
CMD=$1
shift
if [[ $CMD == ensure-bin ]]; then
    ensure_bin
    exit 0
fi
[[ $# -eq 1 ]] || usage
DIR=$(abs_dir "$1")
# pg binaries run as postgres, which may not be able to enter the caller's cwd.
cd /

case $CMD in
    start) cmd_start ;;
    stop) cmd_stop ;;
    stop-primary) cmd_stop_one primary ;;
    stop-replica) cmd_stop_one replica ;;
    start-primary) cmd_start_primary ;;
    start-replica) cmd_start_replica ;;
    wait-replay) cmd_wait_replay ;;
    -h | --help | help) usage ;;
    *) die "unknown command '$CMD' (try --help)" ;;
esac
