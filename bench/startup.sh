#!/usr/bin/env bash
# Start-up: process start to the first /readyz 200, on the embedded SQLite default (fresh
# file, i.e. migrations + demo seed included; and warm, the file already there) and on a
# PostgreSQL primary + replica (migrated beforehand, as `expire-bot migrate` does in
# production); idle RSS one second after ready; SIGTERM to exit.
#
# Usage: bench/startup.sh [--smoke]    (STARTS=5 starts per variant and run, BENCH_RUNS=3)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STARTS="${STARTS:-5}"
if [[ ${1:-} == --smoke ]]; then
    STARTS=1 BENCH_RUNS=1
fi
OUT="$BENCH_RESULTS/startup.jsonl"
: >"$OUT"

bench_build
bench_machine | tee -a "$BENCH_RESULTS/machine.jsonl" >&2
bench_cluster
bench_db bench_startup
for ((run = 1; run <= BENCH_RUNS; run++)); do
    "$DRIVER" startup --bin "$BOT" --sqlite --runs "$STARTS" --label "sqlite, fresh file" | tee -a "$OUT"
    "$DRIVER" startup --bin "$BOT" --sqlite --warm --runs "$STARTS" --label "sqlite, existing file" | tee -a "$OUT"
    "$DRIVER" startup --bin "$BOT" --primary "$DB_PRIMARY_URL" --replica "$DB_REPLICA_URL" \
        --runs "$STARTS" --label "postgres primary + replica" | tee -a "$OUT"
done

"$DRIVER" summarize "$OUT"
"$DRIVER" targets "$OUT"
