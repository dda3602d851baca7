#!/usr/bin/env bash
# Throwaway MariaDB primary + GTID replica for the MySQL-family tests.
#
# Usage: scripts/mysql-cluster.sh <command> DIR
#
#   start DIR          (re)create a primary and a replica under DIR, write
#                      DIR/env and print its path
#   stop DIR           kill both servers and remove DIR
#   stop-primary DIR   stop the primary only (clean shutdown; fault tests)
#   start-primary DIR  start the primary again (same port)
#   stop-replica DIR   stop the replica only (clean shutdown; fault tests)
#   start-replica DIR  start the replica again (same port), wait until it
#                      accepts connections and its applier runs
#   wait-replay DIR    wait until the replica has applied everything the
#                      primary had written when the command started
#   ensure-bin         install Debian's mariadb-server/-client if missing
#
# Debian 12 packages MariaDB 10.11, not MySQL 8; see docs/MYSQL.md for what that
# does and does not prove about MySQL 8 / Aurora MySQL 3.
#
# Both servers listen on 127.0.0.1 only, each on a free port and its own socket
# in DIR, and run as the `mysql` OS user, straight from mariadbd (no systemd,
# no mysqld_safe: a server that dies stays dead, which is what fault tests want).
# The primary writes a binary log (ROW, GTID); the replica replicates from it
# with MASTER_USE_GTID=slave_pos and is read-only for EVERY account: read_only=ON
# and, because root holds READ_ONLY ADMIN in MariaDB 10.11 (which has no
# super_read_only), that privilege is revoked from root on the replica. Only the
# replication applier writes there, as on a PostgreSQL hot standby.
#
# Environment knobs:
#   MYSQL_CLUSTER_TIMEOUT      seconds, default 60, bounds each wait
#   MYSQL_CLUSTER_BUFFER_POOL  innodb_buffer_pool_size, default 64M (benchmarks
#                              at millions of rows want more)

set -euo pipefail

MYSQL_USER=mysql
DB_NAME=expire_bot
MARKER=.expire-bot-mysql-cluster
TIMEOUT="${MYSQL_CLUSTER_TIMEOUT:-60}"
BUFFER_POOL="${MYSQL_CLUSTER_BUFFER_POOL:-64M}"
MARIADBD="${MARIADBD:-/usr/sbin/mariadbd}"
# Replication account, on loopback only; the password only guards a throwaway cluster.
REPL_USER=repl
REPL_PASSWORD=repl

log() { printf 'mysql-cluster: %s\n' "$*" >&2; }
die() { printf 'mysql-cluster: error: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 2
}

# ---------------------------------------------------------------- binaries --

have_bin() {
    [[ -x $MARIADBD ]] && command -v mariadb-install-db >/dev/null \
        && command -v mariadb >/dev/null && command -v mariadb-admin >/dev/null \
        && id -u "$MYSQL_USER" >/dev/null 2>&1
}

ensure_bin() {
    have_bin && return 0
    log "MariaDB not found; installing Debian's mariadb-server and mariadb-client"
    [[ $(id -u) -eq 0 ]] || die "MariaDB is missing and installing it needs root"
    command -v apt-get >/dev/null || die "MariaDB is missing and apt-get is not available"
    export DEBIAN_FRONTEND=noninteractive
    # The package's maintainer scripts would start the system service (port 3306,
    # /var/lib/mysql); this cluster never uses it. policy-rc.d is Debian's switch for
    # "do not start services from packages": install a temporary one if none exists.
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        made_policy=1
    fi
    local rc=0
    apt-get install -y --no-install-recommends mariadb-server mariadb-client >&2 \
        || { apt-get update >&2 && apt-get install -y --no-install-recommends mariadb-server mariadb-client >&2; } \
        || rc=$?
    ((made_policy)) && rm -f "$policy"
    ((rc == 0)) || die "apt-get install mariadb-server mariadb-client failed"
    have_bin || die "installed mariadb-server but $MARIADBD, mariadb-install-db or the '$MYSQL_USER' user is missing"
}

check_bin() {
    have_bin || die "MariaDB not found; run '$0 ensure-bin'"
}

# sql NAME SQL -> tab-separated rows, no header; as root over NAME's socket.
sql() {
    local name=$1 q=$2
    mariadb --no-defaults --protocol=socket --socket="$DIR/$name.sock" -uroot \
        --batch --skip-column-names --connect-timeout=5 -e "$q"
}

# SHOW SLAVE STATUS as 'Field: value' lines (vertical output needs the column names).
slave_status() {
    mariadb --no-defaults --protocol=socket --socket="$DIR/replica.sock" -uroot \
        --connect-timeout=5 -e 'SHOW SLAVE STATUS\G'
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
    d="${d%/}"
    [[ -n $d && $d != / ]] || die "refusing to use '/' as cluster dir"
    echo "$d"
}

require_cluster() {
    [[ -f "$DIR/$MARKER" ]] || die "$DIR is not a cluster made by '$0 start'"
}

conf_port() { # NAME -> port from its config
    local port
    port=$(sed -nE 's/^port[[:space:]]*=[[:space:]]*([0-9]+).*/\1/p' "$DIR/$1.cnf" 2>/dev/null | tail -n1)
    [[ -n $port ]] || die "no port configured in $DIR/$1.cnf"
    echo "$port"
}

# A process that exists and is not a zombie. The servers are re-parented to PID 1 once
# the shell that launched them exits, and a PID 1 that reaps slowly (as in some
# containers) leaves a killed server a zombie for a while: it holds no files or ports.
alive() {
    local state
    kill -0 "$1" 2>/dev/null || return 1
    state=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ $state != Z && $state != X ]]
}

server_pid() { # NAME -> pid of the running server, or nothing
    # The server's own pid file, else the pid it was launched with (a server stuck in
    # start-up has not written its pid file yet, and stop must still find it).
    local f pid
    for f in "$DIR/$1.pid" "$DIR/$1.launch-pid"; do
        [[ -f $f ]] || continue
        pid=$(<"$f")
        [[ $pid =~ ^[0-9]+$ ]] || continue
        # Guard against a recycled pid: it must still be this cluster's mariadbd.
        if alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$DIR/$1.cnf"; then
            echo "$pid"
            return 0
        fi
    done
}

show_log() { # NAME: the end of what the server said, for a failed start
    local f
    for f in "$DIR/$1.log" "$DIR/$1.stdout"; do
        [[ -s $f ]] && { log "last lines of $f:"; tail -n 30 "$f" >&2; }
    done
    return 0
}

write_conf() { # NAME PORT SERVER_ID
    local name=$1 port=$2 id=$3
    cat >"$DIR/$name.cnf" <<EOF
# expire-bot test cluster (scripts/mysql-cluster.sh): $name
[mariadbd]
datadir            = $DIR/$name
socket             = $DIR/$name.sock
pid-file           = $DIR/$name.pid
log-error          = $DIR/$name.log
port               = $port
bind-address       = 127.0.0.1
skip-name-resolve
server-id          = $id
gtid-domain-id     = 0
gtid-strict-mode   = ON
character-set-server = utf8mb4
# The server default stands for the company's schema (riders, policies), which is
# usually case-insensitive; the bot's own tables declare utf8mb4_bin themselves
# (migrations/mysql), so they never depend on this.
collation-server   = utf8mb4_unicode_ci
default-time-zone  = '+00:00'
max-connections    = 300
# Small and fast: a throwaway cluster, never a durability test of the server itself.
innodb-buffer-pool-size = $BUFFER_POOL
innodb-log-file-size    = 32M
innodb-flush-log-at-trx-commit = 2
innodb-doublewrite      = 0
sync-binlog        = 0
performance-schema = OFF
EOF
    if [[ $name == primary ]]; then
        cat >>"$DIR/$name.cnf" <<EOF
log-bin            = mysql-bin
binlog-format      = ROW
EOF
    else
        cat >>"$DIR/$name.cnf" <<EOF
relay-log          = relay-bin
read-only          = ON
# Reconnect fast when the primary comes back (fault tests); the CHANGE MASTER in
# 'start' also sets a 1 s retry and heartbeat.
slave-net-timeout  = 10
EOF
    fi
    chmod 644 "$DIR/$name.cnf"
}

launch_server() { # NAME -> starts mariadbd in the background, prints its pid
    local name=$1 uopt=()
    [[ $(id -u) -eq 0 ]] && uopt=(--user="$MYSQL_USER")
    # --defaults-file must come first: only that file is read (never /etc/mysql).
    # setsid: the server must outlive the process group of whoever started it.
    setsid "$MARIADBD" --defaults-file="$DIR/$name.cnf" "${uopt[@]}" \
        </dev/null >>"$DIR/$name.stdout" 2>&1 &
    echo $! >"$DIR/$name.launch-pid"
    echo $!
}

wait_ready() { # NAME LAUNCH_PID
    local name=$1 lpid=$2 deadline=$((SECONDS + TIMEOUT))
    until mariadb-admin --no-defaults --protocol=socket --socket="$DIR/$name.sock" -uroot \
        --connect-timeout=2 ping >/dev/null 2>&1; do
        if [[ -n $lpid ]] && ! alive "$lpid"; then
            show_log "$name"
            die "$name exited during start-up"
        fi
        if ((SECONDS >= deadline)); then
            show_log "$name"
            die "$name (port $(conf_port "$name")) not accepting connections after ${TIMEOUT}s"
        fi
        sleep 0.05
    done
}

start_server() { # NAME
    local name=$1 lpid
    if [[ -n $(server_pid "$name") ]]; then
        log "$name already running"
        return 0
    fi
    lpid=$(launch_server "$name")
    wait_ready "$name" "$lpid"
}

stop_server() { # NAME SIGNAL
    local name=$1 sig=$2 pid deadline=$((SECONDS + TIMEOUT))
    pid=$(server_pid "$name")
    if [[ -z $pid ]]; then
        log "($name was not running)"
        return 0
    fi
    kill "-$sig" "$pid" 2>/dev/null || true
    while alive "$pid"; do
        ((SECONDS < deadline)) || die "$name (pid $pid) did not exit within ${TIMEOUT}s of SIG$sig"
        sleep 0.05
    done
}

# The replica is ready when it accepts connections and its SQL (applier) thread runs.
# The I/O thread may still be connecting: start-replica works with the primary down.
wait_replica_applier() {
    local deadline=$((SECONDS + TIMEOUT)) st
    while :; do
        st=$(slave_status 2>/dev/null || true)
        if grep -qE '^ *Slave_SQL_Running: Yes' <<<"$st"; then
            return 0
        fi
        if ((SECONDS >= deadline)); then
            printf '%s\n' "$st" | grep -E 'Running|Error|State' >&2 || true
            die "replica applier not running after ${TIMEOUT}s"
        fi
        sleep 0.05
    done
}

wait_replay() {
    local pos r
    pos=$(sql primary "SELECT @@global.gtid_binlog_pos") || die "cannot query the primary"
    [[ -n $pos ]] || return 0 # nothing written yet
    r=$(sql replica "SELECT MASTER_GTID_WAIT('$pos', $TIMEOUT)") || die "cannot query the replica"
    [[ $r == 0 ]] && return 0
    slave_status 2>/dev/null | grep -E 'Running|Error|Gtid' >&2 || true
    die "replica did not apply up to GTID $pos within ${TIMEOUT}s"
}

# ---------------------------------------------------------------- commands --

cmd_stop() {
    [[ -e $DIR ]] || return 0
    if [[ ! -f "$DIR/$MARKER" ]]; then
        # Allow an empty dir (e.g. fresh mktemp -d); refuse anything else.
        rmdir "$DIR" 2>/dev/null && return 0
        die "$DIR exists but is not a cluster made by '$0 start'; not removing it"
    fi
    # SIGKILL: the data is thrown away, so there is nothing to shut down cleanly.
    # Both at once, then wait for both, so rm never races a server still writing.
    local p r
    p=$(server_pid primary)
    r=$(server_pid replica)
    [[ -n $p ]] && kill -KILL "$p" 2>/dev/null
    [[ -n $r ]] && kill -KILL "$r" 2>/dev/null
    local deadline=$((SECONDS + TIMEOUT))
    for pid in $p $r; do
        while alive "$pid"; do
            ((SECONDS < deadline)) || die "server pid $pid survived SIGKILL for ${TIMEOUT}s"
            sleep 0.02
        done
    done
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
    # A Unix socket path is limited to 107 bytes.
    ((${#DIR} + 13 <= 107)) || die "DIR is too long for a Unix socket path: $DIR"
    mkdir -p "$DIR"
    if [[ $(id -u) -eq 0 ]]; then
        # mysql must be able to reach DIR: parents need o+x.
        local p=$DIR
        while p=$(dirname "$p") && [[ $p != / ]]; do
            runuser -u "$MYSQL_USER" -- test -x "$p" \
                || die "the $MYSQL_USER user cannot enter $p (needs o+x); choose another DIR"
        done
    fi
    touch "$DIR/$MARKER"
    chmod 755 "$DIR"
    [[ $(id -u) -eq 0 ]] && chown "$MYSQL_USER:" "$DIR"

    local ports pport rport
    ports=$(pick_ports)
    read -r pport rport <<<"$ports"
    [[ -n $pport && -n $rport ]] || die "could not pick ports"
    log "primary port $pport, replica port $rport"
    write_conf primary "$pport" 1
    write_conf replica "$rport" 2

    # One system database, copied: both servers start from identical grant tables, and
    # the replica then applies the primary's binary log from its very first event.
    local uopt=()
    [[ $(id -u) -eq 0 ]] && uopt=(--user="$MYSQL_USER")
    mariadb-install-db --no-defaults "${uopt[@]}" --datadir="$DIR/primary" \
        --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
        --innodb-log-file-size=32M --innodb-buffer-pool-size=32M \
        >"$DIR/install-db.log" 2>&1 \
        || { tail -n 30 "$DIR/install-db.log" >&2; die "mariadb-install-db failed (see $DIR/install-db.log)"; }
    cp -a "$DIR/primary" "$DIR/replica"

    local lp lr
    lp=$(launch_server primary)
    lr=$(launch_server replica)
    wait_ready primary "$lp"
    wait_ready replica "$lr"

    # Primary: the replication account and the bot's database (both reach the replica
    # through the binary log, like everything else).
    sql primary "
        CREATE USER '$REPL_USER'@'127.0.0.1' IDENTIFIED BY '$REPL_PASSWORD';
        GRANT REPLICATION SLAVE ON *.* TO '$REPL_USER'@'127.0.0.1';
        CREATE DATABASE $DB_NAME;" \
        || die "could not set up the primary"

    # Replica: no account may write, root included (local change, never binlogged: the
    # replica has no binary log). root@<hostname> is left alone: with skip-name-resolve
    # it can never log in (and REVOKE cannot even find it). Then replicate by GTID from
    # the primary's first event.
    local revokes
    revokes=$(sql replica "SELECT CONCAT('REVOKE READ_ONLY ADMIN ON *.* FROM ', QUOTE(user), '@', QUOTE(host), ';')
                           FROM mysql.user WHERE user = 'root'
                            AND (host = 'localhost' OR host REGEXP '^[0-9a-fA-F.:]+\$')") \
        || die "cannot query the replica"
    sql replica "$revokes
        CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $pport,
            MASTER_USER = '$REPL_USER', MASTER_PASSWORD = '$REPL_PASSWORD',
            MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1, MASTER_HEARTBEAT_PERIOD = 1;
        START SLAVE;" \
        || die "could not set up replication on the replica"
    wait_replica_applier
    wait_replay
    [[ $(sql replica "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = '$DB_NAME'") == 1 ]] \
        || die "the replica did not receive database $DB_NAME"

    cat >"$DIR/env" <<EOF
export MYSQL_PRIMARY_PORT=$pport
export MYSQL_REPLICA_PORT=$rport
export MYSQL_ADMIN_PRIMARY_URL=mysql://root@127.0.0.1:$pport/$DB_NAME
export MYSQL_ADMIN_REPLICA_URL=mysql://root@127.0.0.1:$rport/$DB_NAME
export MYSQL_PRIMARY_SOCKET=$DIR/primary.sock
export MYSQL_REPLICA_SOCKET=$DIR/replica.sock
export MYSQL_CLUSTER_DIR=$DIR
EOF
    chmod 644 "$DIR/env"
    log "cluster up in $((SECONDS - t0))s"
    echo "$DIR/env"
}

cmd_stop_one() { # primary|replica
    require_cluster
    check_bin
    # SIGTERM is mariadbd's clean shutdown: with innodb_flush_log_at_trx_commit=2 a
    # SIGKILL could drop the last commits, which no fault test means to simulate.
    stop_server "$1" TERM
}

cmd_start_primary() {
    require_cluster
    check_bin
    start_server primary
}

cmd_start_replica() {
    require_cluster
    check_bin
    start_server replica
    wait_replica_applier
}

cmd_wait_replay() {
    require_cluster
    check_bin
    wait_replay
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
# The servers run as mysql, which may not be able to enter the caller's cwd.
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
