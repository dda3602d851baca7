#!/usr/bin/env bash
# Criterion micro-benchmarks (benches/micro.rs): signature verification, query
# normalisation, masking, view building. Criterion prints its own statistics (a 95 %
# confidence interval around the mean of 100 samples) and keeps them in
# $CARGO_TARGET_DIR/criterion.
#
# Usage: bench/micro.sh [--smoke] [criterion filter...]
#   --smoke runs each benchmark once in criterion's test mode, on the dev build.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ ${1:-} == --smoke ]]; then
    shift
    cargo test --bench micro -- "$@"
else
    bench_machine | tee -a "$BENCH_RESULTS/machine.jsonl" >&2
    cargo bench --bench micro -- "$@" | tee "$BENCH_RESULTS/micro.txt"
fi
