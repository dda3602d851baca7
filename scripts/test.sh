#!/usr/bin/env bash
# The project's one test command: starts a throwaway PostgreSQL 15 primary +
# streaming replica, runs `cargo test --all-targets "$@"` against it, and always
# tears the cluster down. Exits with cargo's exit code.
#
# Tests get: TEST_PRIMARY_URL, TEST_REPLICA_URL, PG_CLUSTER_DIR, PRIMARY_PORT,
# REPLICA_PORT, PG_ADMIN_PRIMARY_URL, PG_ADMIN_REPLICA_URL, PG_BIN.
# Fault tests can run `scripts/pg-cluster.sh stop-replica "$PG_CLUSTER_DIR"` etc.
#
# Set KEEP_PG_CLUSTER=1 to leave the cluster running after the tests.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PG_CLUSTER="$ROOT/scripts/pg-cluster.sh"

"$PG_CLUSTER" ensure-bin

CLUSTER_DIR="$(mktemp -d /tmp/expire-bot-pg.XXXXXX)"
chmod 755 "$CLUSTER_DIR" # postgres must be able to enter it (/tmp itself is 1777)

# shellcheck disable=SC2317 # invoked via trap
cleanup() {
    local rc=$?
    if [[ ${KEEP_PG_CLUSTER:-0} == 1 ]]; then
        echo "test.sh: leaving cluster running in $CLUSTER_DIR (env: $CLUSTER_DIR/env)" >&2
    else
        "$PG_CLUSTER" stop "$CLUSTER_DIR" || echo "test.sh: warning: could not stop cluster in $CLUSTER_DIR" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ENV_FILE="$("$PG_CLUSTER" start "$CLUSTER_DIR")"
# shellcheck disable=SC1090
source "$ENV_FILE"
export TEST_PRIMARY_URL="$PG_ADMIN_PRIMARY_URL"
export TEST_REPLICA_URL="$PG_ADMIN_REPLICA_URL"
export PG_CLUSTER_DIR

rc=0
cargo test --all-targets "$@" || rc=$?
exit "$rc"
