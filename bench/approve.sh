#!/usr/bin/env bash
# Approval transaction: CONC concurrent approvals of distinct requests on the primary,
# ROUNDS rounds per run; p50/p99, commits/s, and the statements the primary executed per
# case (pg_stat_statements, preloaded in the bench cluster). Measured twice: the
# transaction alone (Primary::approve_request) and the whole click (Deciding::decide: the
# authorisation read + the transaction).
#
# Usage: bench/approve.sh          (CONC=50 ROUNDS=20 BENCH_RUNS=3; policies from the
#                                   lookup benchmark's database when it is loaded, else
#                                   APPROVE_RIDERS=200000 generated)
#        APPROVE_DB=bench_lookup BENCH_PG_ENV=... bench/approve.sh   (use the 10 M riders the
#                                   lookup benchmark loaded; nothing is generated)
#        bench/approve.sh --smoke
#        BENCH_BACKEND=mysql bench/approve.sh   on the MariaDB pair: its one client-side
#                                   transaction (there is no server-side variant, so no
#                                   "statements" A/B) and the whole click; statements
#                                   counted by the server's Com_* counters; results in
#                                   approve-mysql.jsonl
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONC="${CONC:-50}"
ROUNDS="${ROUNDS:-20}"
APPROVE_RIDERS="${APPROVE_RIDERS:-200000}"
DB_NAME="${APPROVE_DB:-bench_approve}"
GENERATE=1
[[ -n ${APPROVE_DB:-} ]] && GENERATE=0
if [[ ${1:-} == --smoke ]]; then
    CONC=5 ROUNDS=2 APPROVE_RIDERS=2000 BENCH_RUNS=1
fi
OUT="$BENCH_RESULTS/approve$BENCH_SUFFIX.jsonl"
: >"$OUT"

bench_build
bench_machine | tee -a "$BENCH_RESULTS/machine.jsonl" >&2
bench_cluster
bench_db "$DB_NAME"
if [[ $GENERATE == 1 ]]; then
    "$DRIVER" load --db "$DB_PRIMARY_URL" --riders "$APPROVE_RIDERS" --policies "$((APPROVE_RIDERS + APPROVE_RIDERS / 5))"
fi
POLICIES="$(sql_primary "SELECT max(id) FROM hourly_insurance_policies")"
VIAS=(statements approve_request decide)
# MySQL's approval is its statements: there is nothing to compare them with.
[[ $BENCH_BACKEND == mysql ]] && VIAS=(approve_request decide)

for ((run = 1; run <= BENCH_RUNS; run++)); do
    # "statements" is the transaction sent statement by statement (the path before
    # migration 0080), interleaved with the server-side one as an A/B in the same session.
    for via in "${VIAS[@]}"; do
        "$DRIVER" approve --primary "$DB_PRIMARY_URL" --concurrency "$CONC" --rounds "$ROUNDS" \
            --policies "$POLICIES" --via "$via" --label "$BENCH_BACKEND $via, $CONC concurrent, pool 10, $POLICIES policies" | tee -a "$OUT"
    done
done

"$DRIVER" summarize "$OUT"
"$DRIVER" targets "$OUT"
