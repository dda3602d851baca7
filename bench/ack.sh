#!/usr/bin/env bash
# Acknowledgement path: freshly signed `/expire-insurance` slash commands, and Approve
# clicks on an already-decided request, against a release build of the bot whose
# SLACK_API_URL points at a fast local stand-in; PostgreSQL primary + replica behind it.
#
# Per run, four phases, each on a fresh bot (so each phase's peak RSS is its own): open
# loop at RATE req/s (p50/p99/p99.9) and closed loop with CONC workers (throughput at
# saturation), for commands and for stale clicks; idle RSS before and peak RSS (VmHWM)
# after each.
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

# One fresh bot per phase, so each phase's peak RSS (VmHWM) is its own.
phase() { # LABEL ARGS...
    local label=$1
    shift
    bench_bot DATABASE_URL="$DB_PRIMARY_URL" DATABASE_REPLICA_URL="$DB_REPLICA_URL"
    sleep 1
    local idle peak
    idle="$(awk '/^VmRSS:/ {print $2}' "/proc/$BOT_PID/status")"
    "$DRIVER" ack --url "$BOT_URL" --secret "$BENCH_SECRET" --pid "$BOT_PID" \
        --duration "$DURATION" --warmup "$WARMUP" --label "$label" "$@" | tee -a "$OUT"
    peak="$(awk '/^VmHWM:/ {print $2}' "/proc/$BOT_PID/status")"
    printf '{"bench":"ack_memory","label":"%s","idle_rss_kb":%s,"peak_rss_kb":%s,"load1":%s}\n' \
        "$label" "$idle" "$peak" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT"
    bench_stop_bot
}

for ((run = 1; run <= BENCH_RUNS; run++)); do
    phase "command @${RATE}/s" --kind command --rate "$RATE"
    phase "command c=$CONC" --kind command --closed --concurrency "$CONC"
    phase "stale click @${RATE}/s" --kind stale-click --request-id "$STALE_ID" --rate "$RATE"
    phase "stale click c=$CONC" --kind stale-click --request-id "$STALE_ID" --closed --concurrency "$CONC"
done

"$DRIVER" summarize "$OUT"
"$DRIVER" targets "$OUT"
