#!/usr/bin/env bash
# Optional comparison for the saturation budget: the same closed-loop load of signed
# `/expire-insurance` commands against a minimal Bolt for Python app (bench/bolt_app.py:
# AsyncApp under uvicorn), acknowledging only and acknowledging after views.open on the
# same Slack stand-in, interleaved with the same load against expire-bot. Installs
# slack_bolt, aiohttp and uvicorn from PyPI into a throwaway venv.
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

# expire-bot is measured in the same loop, interleaved with Bolt, so both see the same
# machine load. Its slash-command path never touches the database; a migrated SQLite file
# keeps its background workers quiet.
BOT_DB_DIR="$(mktemp -d /tmp/expire-bot-bench-bolt-db.XXXXXX)"
BOT_DB="sqlite://$BOT_DB_DIR/bot.db"
DATABASE_URL="$BOT_DB" "$BOT" migrate >/dev/null

for ((run = 1; run <= BENCH_RUNS; run++)); do
    bench_bot DATABASE_URL="$BOT_DB"
    "$DRIVER" ack --url "$BOT_URL" --secret "$BENCH_SECRET" --kind command \
        --closed --concurrency "$CONC" --duration "$DURATION" --warmup "$WARMUP" \
        --label "expire-bot (views.open, then ack), c=$CONC" | tee -a "$OUT"
    bench_stop_bot
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

rm -rf -- "$BOT_DB_DIR"
"$DRIVER" summarize "$OUT"
