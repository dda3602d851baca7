#!/usr/bin/env bash
# Acknowledgement path: freshly signed `/expire-insurance` slash commands, and Approve
# clicks on an already-decided request, against a release build of the bot whose
# SLACK_API_URL points at a fast local stand-in; PostgreSQL primary + replica behind it.
#
# Per run (a fresh bot each run): idle RSS; open loop at RATE req/s (p50/p99/p99.9);
# closed loop with CONC workers (throughput at saturation); the same two for stale
# clicks; then the bot's peak RSS (VmHWM).
#
# Usage: bench/ack.sh            (RATE=1000 DURATION=10 CONC=64 BENCH_RUNS=3)
#        bench/ack.sh --smoke    (seconds; no figures worth reporting)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RATE="${RATE:-1000}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
CONC="${CONC:-64}"
if [[ ${1:-} == --smoke ]]; then
    RATE=50 DURATION=1 WARMUP=0.2 CONC=4 BENCH_RUNS=1
fi
OUT="$BENCH_RESULTS/ack.jsonl"
: >"$OUT"

bench_build
bench_machine | tee -a "$BENCH_RESULTS/machine.jsonl" >&2
bench_cluster
bench_db bench_ack
STALE_ID="$("$DRIVER" prepare-stale --primary "$DB_PRIMARY_URL")"
bench_wait_replay 120
bench_stub
blog "stale-click target: request #$STALE_ID"

for ((run = 1; run <= BENCH_RUNS; run++)); do
    bench_bot DATABASE_URL="$DB_PRIMARY_URL" DATABASE_REPLICA_URL="$DB_REPLICA_URL"
    sleep 1
    idle="$(awk '/^VmRSS:/ {print $2}' "/proc/$BOT_PID/status")"
    common=(--url "$BOT_URL" --secret "$BENCH_SECRET" --pid "$BOT_PID" --duration "$DURATION" --warmup "$WARMUP")
    "$DRIVER" ack "${common[@]}" --kind command --rate "$RATE" --label "command @${RATE}/s" | tee -a "$OUT"
    "$DRIVER" ack "${common[@]}" --kind command --closed --concurrency "$CONC" --label "command c=$CONC" | tee -a "$OUT"
    "$DRIVER" ack "${common[@]}" --kind stale-click --request-id "$STALE_ID" --rate "$RATE" --label "stale click @${RATE}/s" | tee -a "$OUT"
    "$DRIVER" ack "${common[@]}" --kind stale-click --request-id "$STALE_ID" --closed --concurrency "$CONC" --label "stale click c=$CONC" | tee -a "$OUT"
    peak="$(awk '/^VmHWM:/ {print $2}' "/proc/$BOT_PID/status")"
    printf '{"bench":"ack_memory","label":"postgres","idle_rss_kb":%s,"peak_rss_kb":%s,"load1":%s}\n' \
        "$idle" "$peak" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT"
    bench_stop_bot
done

"$DRIVER" summarize "$OUT"
