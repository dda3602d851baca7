#!/usr/bin/env bash
# Optional comparison for the saturation budget: the same closed-loop load of signed
# `/expire-insurance` commands against a minimal Bolt for Python app (bench/bolt_app.py:
# AsyncApp under uvicorn), acknowledging only and acknowledging after views.open on the
# same Slack stand-in. Installs slack_bolt, aiohttp and uvicorn from PyPI into a throwaway
# venv. Compare with the `ack_saturation command` rows of bench/ack.sh.
#
# Usage: bench/bolt.sh   (CONC=64 DURATION=10 WORKERS="1 2" BENCH_RUNS=3)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONC="${CONC:-64}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
WORKERS="${WORKERS:-1 2}"
OUT="$BENCH_RESULTS/bolt.jsonl"
: >"$OUT"

bench_build
bench_machine | tee -a "$BENCH_RESULTS/machine.jsonl" >&2
VENV="${BOLT_VENV:-/tmp/expire-bot-bench-bolt-venv}"
if [[ ! -x $VENV/bin/uvicorn ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q slack_bolt aiohttp uvicorn >&2
fi
"$VENV/bin/pip" list 2>/dev/null | grep -iE '^(slack.bolt|slack.sdk|uvicorn|aiohttp) ' >&2
bench_stub

for ((run = 1; run <= BENCH_RUNS; run++)); do
    for mode in ack views_open; do
        for w in $WORKERS; do
            port="$("$DRIVER" free-port)"
            SLACK_API_URL="$STUB_URL" SLACK_SIGNING_SECRET="$BENCH_SECRET" BOLT_MODE="$mode" \
                "$VENV/bin/uvicorn" --app-dir "$BENCH_ROOT/bench" bolt_app:api \
                --host 127.0.0.1 --port "$port" --workers "$w" --log-level warning --no-access-log &
            pid=$!
            BENCH_PIDS+=("$pid")
            for ((i = 0; i < 200; i++)); do
                curl -s -o /dev/null "http://127.0.0.1:$port/" && break
                sleep 0.1
            done
            "$DRIVER" ack --url "http://127.0.0.1:$port" --secret "$BENCH_SECRET" --kind command \
                --closed --concurrency "$CONC" --duration "$DURATION" --warmup "$WARMUP" \
                --label "bolt $mode, $w uvicorn worker(s), c=$CONC" | tee -a "$OUT"
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            bench_forget "$pid"
        done
    done
done

"$DRIVER" summarize "$OUT"
