#!/usr/bin/env bash
# The project's one test command: starts a throwaway PostgreSQL 15 primary + streaming
# replica and a throwaway MariaDB 10.11 primary + GTID replica (both at once), runs
# `cargo test --all-targets "$@"` against them, and always tears both down. Exits with
# cargo's exit code.
#
# Tests get: TEST_PRIMARY_URL, TEST_REPLICA_URL, PG_CLUSTER_DIR, PRIMARY_PORT,
# REPLICA_PORT, PG_ADMIN_PRIMARY_URL, PG_ADMIN_REPLICA_URL, PG_BIN; and for MySQL
# TEST_MYSQL_PRIMARY_URL, TEST_MYSQL_REPLICA_URL (root, database expire_bot),
# MYSQL_CLUSTER_DIR, MYSQL_PRIMARY_PORT, MYSQL_REPLICA_PORT.
# Fault tests can run `scripts/pg-cluster.sh stop-replica "$PG_CLUSTER_DIR"` and
# `scripts/mysql-cluster.sh stop-replica "$MYSQL_CLUSTER_DIR"` etc.
#
# Set KEEP_PG_CLUSTER=1 to leave both clusters running after the tests.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PG_CLUSTER="$ROOT/scripts/pg-cluster.sh"
MYSQL_CLUSTER="$ROOT/scripts/mysql-cluster.sh"

"$PG_CLUSTER" ensure-bin
"$MYSQL_CLUSTER" ensure-bin
# The clock-skew tests (tests/it/hardening.rs) preload libfaketime into a bot process.
"$ROOT/scripts/ensure-faketime.sh" test.sh

CLUSTER_DIR="$(mktemp -d /tmp/expire-bot-pg.XXXXXX)"
chmod 755 "$CLUSTER_DIR" # postgres must be able to enter it (/tmp itself is 1777)
MY_DIR="$(mktemp -d /tmp/expire-bot-my.XXXXXX)"
chmod 755 "$MY_DIR" # so must mysql

# shellcheck disable=SC2317 # invoked via trap
cleanup() {
    local rc=$?
    if [[ ${KEEP_PG_CLUSTER:-0} == 1 ]]; then
        echo "test.sh: leaving clusters running in $CLUSTER_DIR and $MY_DIR (env: */env)" >&2
    else
        "$PG_CLUSTER" stop "$CLUSTER_DIR" || echo "test.sh: warning: could not stop cluster in $CLUSTER_DIR" >&2
        "$MYSQL_CLUSTER" stop "$MY_DIR" || echo "test.sh: warning: could not stop cluster in $MY_DIR" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Both pairs start at once: each is mostly waiting on its own initdb / install-db.
MY_OUT="$MY_DIR.start"
"$MYSQL_CLUSTER" start "$MY_DIR" >"$MY_OUT" &
MY_PID=$!
ENV_FILE="$("$PG_CLUSTER" start "$CLUSTER_DIR")"
if ! wait "$MY_PID"; then
    rm -f "$MY_OUT"
    echo "test.sh: the MariaDB pair did not start" >&2
    exit 1
fi
MY_ENV_FILE="$(<"$MY_OUT")"
rm -f "$MY_OUT"
# shellcheck disable=SC1090
source "$ENV_FILE"
# shellcheck disable=SC1090
source "$MY_ENV_FILE"
export TEST_PRIMARY_URL="$PG_ADMIN_PRIMARY_URL"
export TEST_REPLICA_URL="$PG_ADMIN_REPLICA_URL"
export PG_CLUSTER_DIR
export TEST_MYSQL_PRIMARY_URL="$MYSQL_ADMIN_PRIMARY_URL"
export TEST_MYSQL_REPLICA_URL="$MYSQL_ADMIN_REPLICA_URL"
export MYSQL_CLUSTER_DIR MYSQL_PRIMARY_PORT MYSQL_REPLICA_PORT

# Eight tests at once, not one per core: the integration tests spend their time waiting on
# the databases, on Slack stand-ins and on delays injected past Slack's 3 s (tests/it took
# 258 s of wall time for 83 s of CPU at two threads; 117 s at eight; no faster at twelve).
# Tests that must not overlap hold their own locks (tests/faults.rs, the roles in
# tests/it/harness.rs). RUST_TEST_THREADS overrides.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-8}"

rc=0
cargo test --all-targets "$@" || rc=$?
exit "$rc"
