#!/usr/bin/env bash
# expire-bot beside the reference floor (issue 17): the least a slash-command endpoint can
# do for the same work (verify the signature, answer, one pooled keep-alive views.open),
# built from ../shared/bench/floor and measured in the same run, under the same load, against
# the same Slack stand-in (`bench_driver stub`) as the bot.
#
# Per run, four phases, each on a fresh process (so each peak RSS, VmHWM, is that phase's
# own), the two apps interleaved so machine drift hits both: open loop at RATE commands/s
# (p50/p99), then closed loop with CONC connections (throughput at saturation). Odd runs
# start with the bot (bot, floor, bot, floor), even runs with the floor, so neither always
# goes first. Each line also carries the CPU the app, the stand-in and the load generator
# used per command, and how many views.open calls the stand-in answered: the floor opens
# the modal after its answer, so it can ack faster than it opens modals (the bot opens it
# first, so its two rates are one). The summary ends with the targets table (`bench_driver targets`): the
# throughput ratio (paired run by run), peak and idle RSS, the open-loop p99.
#
# The bot runs as in bench/ack.sh (release build, PostgreSQL primary + replica behind it,
# requesters open) with the floor's signing secret; its route is /slack/commands, the
# floor's /slack/commands-open.
#
# The floor is built with its own release profile (thin LTO, ~40 s from scratch) into
# FLOOR_TARGET_DIR (default $CARGO_TARGET_DIR/floor-ref, i.e. under the untracked target/);
# it is never copied. FLOOR_SRC overrides where its sources are.
#
# Usage: bench/floor.sh            (RATE=1000 CONC=32 DURATION=10 WARMUP=2 BENCH_RUNS=3)
#        bench/floor.sh --smoke    (seconds; no figures worth reporting)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RATE="${RATE:-1000}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
CONC="${CONC:-32}"
if [[ ${1:-} == --smoke ]]; then
    RATE=50 DURATION=1 WARMUP=0.2 CONC=4 BENCH_RUNS=1
fi
OUT="$BENCH_RESULTS/floor.jsonl"

# The floor signs nothing configurable: both apps get its secret.
BENCH_SECRET=bench-signing-secret

: >"$OUT"
bench_build
bench_floor_build
bench_machine | tee -a "$BENCH_RESULTS/machine.jsonl" >&2
bench_cluster
bench_db bench_floor
# As in production (and bench/ack.sh): migrated beforehand, so the bot's background
# workers find their tables.
DATABASE_URL="$DB_PRIMARY_URL" "$BOT" migrate >/dev/null
bench_wait_replay 120
bench_stub

# phase APP RUN open|closed: one fresh process of APP, one load, one JSON line.
phase() {
    local app=$1 run=$2 mode=$3 path load label
    if [[ $app == bot ]]; then
        bench_bot DATABASE_URL="$DB_PRIMARY_URL" DATABASE_REPLICA_URL="$DB_REPLICA_URL"
        APP_PID=$BOT_PID APP_URL=$BOT_URL path=/slack/commands
    else
        bench_floor_start
        path=/slack/commands-open
    fi
    if [[ $mode == open ]]; then
        load=(--rate "$RATE")
        label="$app command @${RATE}/s"
    else
        load=(--closed --concurrency "$CONC")
        label="$app command c=$CONC"
    fi
    # As bench/ack.sh: idle RSS is read a second after ready, before the warm-up.
    sleep 1
    "$DRIVER" ack --url "$APP_URL" --path "$path" --secret "$BENCH_SECRET" --kind command \
        --pid "$APP_PID" --stub-pid "$STUB_PID" --stub-url "$STUB_URL" --app "$app" --run "$run" \
        --duration "$DURATION" --warmup "$WARMUP" --label "$label" "${load[@]}" | tee -a "$OUT"
    kill -TERM "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
    bench_forget "$APP_PID"
}

for ((run = 1; run <= BENCH_RUNS; run++)); do
    if ((run % 2 == 1)); then order=(bot floor); else order=(floor bot); fi
    for mode in open closed; do
        for app in "${order[@]}"; do
            phase "$app" "$run" "$mode"
        done
    done
done

"$DRIVER" summarize "$OUT"
"$DRIVER" targets "$OUT"
