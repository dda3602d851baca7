#!/usr/bin/env bash
# Runs every benchmark at tiny scale (seconds each) so none of them can rot; asserts
# nothing about time, only that each one runs to the end. Uses the dev build (what
# `cargo test` already compiled) and one throwaway PostgreSQL cluster for all of them
# (the same bench cluster, pg_stat_statements included), stopped on exit; then the lookup
# and approval benchmarks on a throwaway MariaDB pair each. Called from .ci/run.
BENCH_PROFILE="${BENCH_PROFILE:-dev}"
BENCH_RESULTS="$(mktemp -d /tmp/expire-bot-bench-smoke.XXXXXX)"
export BENCH_PROFILE BENCH_RESULTS
unset BENCH_PG_ENV
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_cluster
export BENCH_PG_ENV="$PG_CLUSTER_DIR/env"
BENCH_PIDS=()

for b in micro startup ack lookup approve; do
    echo "==> bench/$b.sh --smoke"
    t0=$SECONDS
    bash "bench/$b.sh" --smoke
    echo "==> bench/$b.sh --smoke: ok ($((SECONDS - t0)) s)"
done
# The MySQL side of the two that have one, on a MariaDB pair of their own.
for b in lookup approve; do
    echo "==> BENCH_BACKEND=mysql bench/$b.sh --smoke"
    t0=$SECONDS
    BENCH_BACKEND=mysql bash "bench/$b.sh" --smoke
    echo "==> BENCH_BACKEND=mysql bench/$b.sh --smoke: ok ($((SECONDS - t0)) s)"
done
rm -rf -- "$BENCH_RESULTS"
echo "bench smoke: all benchmarks ran"
