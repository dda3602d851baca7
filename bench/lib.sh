#!/usr/bin/env bash
# Shared by the bench/*.sh scripts; sourced, not run.
#
# Knobs (environment):
#   BENCH_PROFILE   release (default; what BENCHMARKS.md reports) or dev (smoke runs:
#                   reuses what `cargo test` built, no release build in CI)
#   BENCH_RUNS      runs per measurement (default 3; BENCHMARKS.md reports the median)
#   BENCH_RESULTS   directory the JSON-line results go to (default bench/results)
#   BENCH_BACKEND   postgres (default) or mysql: which primary + replica bench/lookup.sh
#                   and bench/approve.sh run on (mysql: the MariaDB pair of
#                   scripts/mysql-cluster.sh, buffer pool MYSQL_CLUSTER_BUFFER_POOL, 1G here
#                   unless set; results go to *-mysql.jsonl)
#   BENCH_PG_ENV    env file of a running cluster made by scripts/pg-cluster.sh to use
#                   instead of starting one (it is then left running)
#   BENCH_MYSQL_ENV the same for a cluster made by scripts/mysql-cluster.sh
#   BENCH_NICE      e.g. -10: run this script, everything it starts, and the cluster's two
#                   postmasters (by pid) at that priority. On a machine shared with other
#                   work this approximates a dedicated one; BENCHMARKS.md says which
#                   figures were taken so.
#   BENCH_BOT       another expire-bot binary to measure instead of this build's (e.g. a
#                   copy of the previous commit's, for a before/after in one session);
#                   the bench driver is still this build's
#   BENCH_NO_BUILD  1: build nothing, measure what target/ holds (e.g. while another
#                   build of the same tree is under way)
#   CARGO_TARGET_DIR  honoured, as cargo does

set -euo pipefail

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$BENCH_ROOT"
BENCH_BACKEND="${BENCH_BACKEND:-postgres}"
case "$BENCH_BACKEND" in
    postgres) BENCH_SUFFIX="" ;;
    mysql) BENCH_SUFFIX="-mysql" ;;
    *) echo "bench: BENCH_BACKEND must be postgres or mysql" >&2; exit 2 ;;
esac
BENCH_PROFILE="${BENCH_PROFILE:-release}"
BENCH_RUNS="${BENCH_RUNS:-3}"
BENCH_RESULTS="${BENCH_RESULTS:-$BENCH_ROOT/bench/results}"
mkdir -p "$BENCH_RESULTS"
TARGET_DIR="${CARGO_TARGET_DIR:-$BENCH_ROOT/target}"
case "$BENCH_PROFILE" in
    release) BIN_DIR="$TARGET_DIR/release"; PROFILE_FLAG=(--release) ;;
    dev) BIN_DIR="$TARGET_DIR/debug"; PROFILE_FLAG=() ;;
    *) echo "bench: BENCH_PROFILE must be release or dev" >&2; exit 2 ;;
esac
BOT="${BENCH_BOT:-$BIN_DIR/expire-bot}"
DRIVER="$BIN_DIR/examples/bench_driver"

blog() { printf 'bench: %s\n' "$*" >&2; }

# Processes this script started, stopped on exit (by pid, never by name).
BENCH_PIDS=()
BENCH_CLUSTER_DIR=""
BENCH_MYSQL_DIR=""
bench_cleanup() {
    local rc=$?
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${BENCH_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n $BENCH_CLUSTER_DIR ]]; then
        "$BENCH_ROOT/scripts/pg-cluster.sh" stop "$BENCH_CLUSTER_DIR" \
            || blog "warning: could not stop the cluster in $BENCH_CLUSTER_DIR"
    fi
    if [[ -n $BENCH_MYSQL_DIR ]]; then
        "$BENCH_ROOT/scripts/mysql-cluster.sh" stop "$BENCH_MYSQL_DIR" \
            || blog "warning: could not stop the cluster in $BENCH_MYSQL_DIR"
    fi
    exit "$rc"
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n ${BENCH_NICE:-} ]]; then
    renice -n "$BENCH_NICE" -p $$ >/dev/null
fi

# Applies BENCH_NICE to the cluster's postmasters (backends they fork inherit it), or to
# both mariadbd processes (every thread of each: MariaDB serves connections by threads).
bench_nice_cluster() {
    [[ -n ${BENCH_NICE:-} ]] || return 0
    local side pid
    for side in primary replica; do
        if [[ $BENCH_BACKEND == mysql ]]; then
            pid=$(<"$MYSQL_CLUSTER_DIR/$side.pid")
            for t in /proc/"$pid"/task/*; do
                renice -n "$BENCH_NICE" -p "${t##*/}" >/dev/null 2>&1 || true
            done
        else
            pid=$(head -n1 "$PG_CLUSTER_DIR/$side/postmaster.pid")
            renice -n "$BENCH_NICE" -p "$pid" >/dev/null
        fi
    done
}

# sql_primary SQL / sql_replica SQL: one value (or rows, tab-separated) as the admin user,
# on the bench database.
sql_primary() {
    if [[ $BENCH_BACKEND == mysql ]]; then
        mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PRIMARY_PORT" -u root \
            --batch --skip-column-names "$DB_NAME" -e "$1"
    else
        psql "$DB_PRIMARY_URL" -XAtq -c "$1"
    fi
}
sql_replica() {
    if [[ $BENCH_BACKEND == mysql ]]; then
        mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$MYSQL_REPLICA_PORT" -u root \
            --batch --skip-column-names "$DB_NAME" -e "$1"
    else
        psql "$DB_REPLICA_URL" -XAtq -c "$1"
    fi
}

bench_build() {
    if [[ ${BENCH_NO_BUILD:-0} != 1 ]]; then
        blog "building expire-bot and bench_driver ($BENCH_PROFILE)"
        if [[ $BENCH_PROFILE == release ]]; then
            # Two builds, not one: built beside an example, the binary would get the
            # dev-dependencies' features unified into its dependencies (other code, other
            # symbol names than link/text-order.txt's). Built alone it is the binary the
            # Dockerfile ships; the driver then builds against its own set.
            cargo build --release --bin expire-bot >&2
            cargo build --release --example bench_driver >&2
        else
            # The smoke runs: what `cargo test` built, which unified them already.
            cargo build --bin expire-bot --example bench_driver >&2
        fi
    fi
    bench_text_order_coverage
}

# How much of link/text-order.txt (build.rs) the measured binary still has: the list ages as
# the code changes (a function whose symbol changed lands outside the ordered block), and
# `bench/text-order.sh` renews it. Informational; nothing fails on it.
bench_text_order_coverage() {
    local list="$BENCH_ROOT/link/text-order.txt"
    [[ -f $list && $BENCH_PROFILE == release ]] || return 0
    command -v nm >/dev/null || return 0
    local have
    have="$(nm "$BOT" 2>/dev/null | awk 'NR == FNR { if ($0 !~ /^#/ && NF) want[$0] = 1; next }
        ($NF in want) && !seen[$NF]++ { n++ } END { print n + 0 }' "$list" - || echo 0)"
    blog "text order: $have of $(grep -vc '^#' "$list") listed functions are in $BOT"
}

# Record the machine and its load next to the figures.
bench_machine() {
    "$DRIVER" machine
}

# Starts (or reuses, with BENCH_PG_ENV) a PostgreSQL 15 primary + streaming replica with
# pg_stat_statements preloaded on both, and sources its env file; with BENCH_BACKEND=mysql
# the MariaDB pair instead (reused with BENCH_MYSQL_ENV).
bench_cluster() {
    if [[ $BENCH_BACKEND == mysql ]]; then
        if [[ -n ${BENCH_MYSQL_ENV:-} ]]; then
            # shellcheck disable=SC1090
            source "$BENCH_MYSQL_ENV"
            blog "using the running MariaDB pair in $MYSQL_CLUSTER_DIR"
        else
            BENCH_MYSQL_DIR="$(mktemp -d /tmp/expire-bot-bench-my.XXXXXX)"
            chmod 755 "$BENCH_MYSQL_DIR"
            local env_file
            env_file="$(MYSQL_CLUSTER_BUFFER_POOL="${MYSQL_CLUSTER_BUFFER_POOL:-1G}" \
                "$BENCH_ROOT/scripts/mysql-cluster.sh" start "$BENCH_MYSQL_DIR")"
            # shellcheck disable=SC1090
            source "$env_file"
        fi
        bench_nice_cluster
        return 0
    fi
    if [[ -n ${BENCH_PG_ENV:-} ]]; then
        # shellcheck disable=SC1090
        source "$BENCH_PG_ENV"
        blog "using the running cluster in $PG_CLUSTER_DIR"
        bench_nice_cluster
        return 0
    fi
    BENCH_CLUSTER_DIR="$(mktemp -d /tmp/expire-bot-bench-pg.XXXXXX)"
    local env_file
    env_file="$("$BENCH_ROOT/bench/cluster.sh" start "$BENCH_CLUSTER_DIR")"
    # shellcheck disable=SC1090
    source "$env_file"
    bench_nice_cluster
}

# bench_db NAME: creates database NAME on the primary if missing; sets DB_NAME,
# DB_PRIMARY_URL and DB_REPLICA_URL to it.
bench_db() {
    local name=$1
    DB_NAME=$name
    if [[ $BENCH_BACKEND == mysql ]]; then
        mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PRIMARY_PORT" -u root \
            -e "CREATE DATABASE IF NOT EXISTS $name"
        "$BENCH_ROOT/scripts/mysql-cluster.sh" wait-replay "$MYSQL_CLUSTER_DIR"
        DB_PRIMARY_URL="mysql://root@127.0.0.1:$MYSQL_PRIMARY_PORT/$name"
        DB_REPLICA_URL="mysql://root@127.0.0.1:$MYSQL_REPLICA_PORT/$name"
        return 0
    fi
    local exists
    exists=$(psql "$PG_ADMIN_PRIMARY_URL" -XAtq -c "SELECT 1 FROM pg_database WHERE datname = '$name'")
    if [[ $exists != 1 ]]; then
        psql "$PG_ADMIN_PRIMARY_URL" -XAtq -c "CREATE DATABASE $name" >/dev/null
    fi
    DB_PRIMARY_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/$name"
    DB_REPLICA_URL="postgres://postgres@127.0.0.1:$REPLICA_PORT/$name"
}

bench_wait_replay() {
    if [[ $BENCH_BACKEND == mysql ]]; then
        MYSQL_CLUSTER_TIMEOUT="${1:-600}" "$BENCH_ROOT/scripts/mysql-cluster.sh" wait-replay "${MYSQL_CLUSTER_DIR:?}"
        return 0
    fi
    local dir="${PG_CLUSTER_DIR:?}"
    PG_CLUSTER_TIMEOUT="${1:-600}" "$BENCH_ROOT/scripts/pg-cluster.sh" wait-replay "$dir"
}

# Starts the Slack stand-in; sets STUB_URL (the Web API base the bot is given) and STUB_PID.
bench_stub() {
    local f
    f="$(mktemp -u /tmp/expire-bot-bench-stub.XXXXXX)"
    "$DRIVER" stub --addr-file "$f" &
    STUB_PID=$!
    BENCH_PIDS+=("$STUB_PID")
    local i
    for ((i = 0; i < 200; i++)); do
        [[ -s $f ]] && break
        sleep 0.05
    done
    [[ -s $f ]] || { blog "the Slack stand-in did not start"; exit 1; }
    STUB_URL="http://$(cat "$f")/api"
    rm -f "$f"
}

# bench_bot VAR=VALUE...: starts the bot with the bench's Slack settings plus the given
# variables; waits for /readyz 200; sets BOT_PID and BOT_URL. A command in the array BOT_WRAP
# runs it (bench/profile.sh: valgrind; it must exec, keeping the pid).
bench_bot() {
    local port
    port="$("$DRIVER" free-port)"
    BOT_URL="http://127.0.0.1:$port"
    BOT_LOG="${BOT_LOG:-/dev/null}"
    env -u DATABASE_URL -u DATABASE_REPLICA_URL -u SLACK_APP_TOKEN \
        -u REQUESTER_USER_IDS -u REQUESTER_USERGROUP_ID -u APPROVER_USERGROUP_ID \
        SLACK_SIGNING_SECRET="$BENCH_SECRET" \
        SLACK_BOT_TOKEN=xoxb-bench \
        SLACK_API_URL="$STUB_URL" \
        APPROVAL_CHANNEL_ID=C0APPROVE \
        APPROVER_USER_IDS=U0LEAD1,U0LEAD2 \
        BIND_ADDR="127.0.0.1:$port" \
        LOG_FORMAT=json \
        DIGEST_SCHEDULE=off \
        "$@" \
        ${BOT_WRAP[@]+"${BOT_WRAP[@]}"} "$BOT" serve >>"$BOT_LOG" 2>&1 &
    BOT_PID=$!
    BENCH_PIDS+=("$BOT_PID")
    local i
    for ((i = 0; i < 600; i++)); do
        if curl -fsS -o /dev/null "$BOT_URL/readyz" 2>/dev/null; then
            return 0
        fi
        kill -0 "$BOT_PID" 2>/dev/null || { blog "expire-bot exited during start-up"; exit 1; }
        sleep 0.05
    done
    blog "expire-bot not ready after 30 s"
    exit 1
}

# bench_stop_bot: SIGTERM, wait.
bench_stop_bot() {
    kill -TERM "$BOT_PID" 2>/dev/null || true
    wait "$BOT_PID" 2>/dev/null || true
    bench_forget "$BOT_PID"
}

# bench_forget PID: a process that has ended is no longer ours to stop on exit.
bench_forget() {
    local kept=() pid
    for pid in "${BENCH_PIDS[@]}"; do
        [[ $pid == "$1" ]] || kept+=("$pid")
    done
    BENCH_PIDS=("${kept[@]}")
}

# Prints where the reference floor's sources are (bench/floor.sh): FLOOR_SRC, else
# ../shared/bench/floor next to the checkout (for a git worktree, next to the main
# checkout, its common git dir's parent); fails if there are none.
bench_floor_src() {
    if [[ -n ${FLOOR_SRC:-} ]]; then
        printf '%s\n' "$FLOOR_SRC"
        return 0
    fi
    local common
    common="$(git -C "$BENCH_ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)"
    local d
    for d in "$BENCH_ROOT/../shared/bench/floor" ${common:+"$common/../../shared/bench/floor"}; do
        if [[ -f $d/Cargo.toml ]]; then
            (cd "$d" && pwd)
            return 0
        fi
    done
    return 1
}

# bench_floor_build: builds the reference floor from its sources (never copied) with its own
# release profile into FLOOR_TARGET_DIR (default $CARGO_TARGET_DIR/floor-ref, i.e. under
# the untracked target/); sets FLOOR_BIN.
bench_floor_build() {
    local src
    src="$(bench_floor_src)" || {
        blog "the reference floor's sources are not there (../shared/bench/floor); set FLOOR_SRC"
        exit 1
    }
    FLOOR_TARGET_DIR="${FLOOR_TARGET_DIR:-$TARGET_DIR/floor-ref}"
    blog "building the floor from $src (its release profile) into $FLOOR_TARGET_DIR"
    (cd "$src" && CARGO_TARGET_DIR="$FLOOR_TARGET_DIR" cargo build --release >&2)
    FLOOR_BIN="$FLOOR_TARGET_DIR/release/floor"
}

# bench_floor_start: starts the floor against the stand-in (bench_stub first); sets APP_PID
# and APP_URL once it accepts connections. BOT_WRAP applies to it as to bench_bot.
bench_floor_start() {
    local port i
    port="$("$DRIVER" free-port)"
    APP_URL="http://127.0.0.1:$port"
    SLACK_API_BASE="$STUB_URL" ${BOT_WRAP[@]+"${BOT_WRAP[@]}"} "$FLOOR_BIN" "$port" >/dev/null 2>&1 &
    APP_PID=$!
    BENCH_PIDS+=("$APP_PID")
    for ((i = 0; i < 600; i++)); do
        # Any HTTP answer (404 on /) means it is listening.
        curl -s -o /dev/null "$APP_URL/" 2>/dev/null && return 0
        kill -0 "$APP_PID" 2>/dev/null || { blog "the floor exited during start-up"; exit 1; }
        sleep 0.05
    done
    blog "the floor is not listening after 30 s"
    exit 1
}

BENCH_SECRET="8f742231b10e8888abcd99yyyzzz85a5"
