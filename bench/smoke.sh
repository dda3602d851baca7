#!/usr/bin/env bash
# Runs every benchmark at tiny scale (seconds each) so none of them can rot; asserts
# nothing about time, only that each one runs to the end. Uses the dev build (what
# `cargo test` already compiled) and one throwaway PostgreSQL cluster for all of them
# (the same bench cluster, pg_stat_statements included), stopped on exit; then the lookup
# and approval benchmarks on a throwaway MariaDB pair each. Called from .ci/run.
#
# The floor comparison (bench/floor.sh) runs too when the reference floor's sources are
# there (../shared/bench/floor; a clone elsewhere skips it, saying so). The floor is built
# once, in its own release profile (thin LTO, ~40 s from scratch on 2 cores, seconds when
# target/floor-ref is kept): not the dev profile, because a dev floor is no cheaper to
# build worth mentioning and the build a real run then reuses is the one the smoke checked.
BENCH_PROFILE="${BENCH_PROFILE:-dev}"
BENCH_RESULTS="$(mktemp -d /tmp/expire-bot-bench-smoke.XXXXXX)"
export BENCH_PROFILE BENCH_RESULTS
unset BENCH_PG_ENV
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_cluster
export BENCH_PG_ENV="$PG_CLUSTER_DIR/env"
BENCH_PIDS=()

benches=(micro startup ack lookup approve)
if bench_floor_src >/dev/null; then
    benches+=(floor)
else
    echo "==> bench/floor.sh --smoke: skipped (no ../shared/bench/floor next to this checkout; set FLOOR_SRC)"
fi
for b in "${benches[@]}"; do
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
