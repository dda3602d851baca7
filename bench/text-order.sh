#!/usr/bin/env bash
# The link order of the release binary's code (link/text-order.txt, read by build.rs).
#
# Why: at run time the bot executes a few thousand of the binary's functions, scattered over
# 16 MB of `.text`; the kernel maps 64 kB around every page it faults in (fault-around), so
# an idle bot had ~12 MB of code resident, most of it never run. Listing the functions a
# real run executes and letting lld lay them out first (`--symbol-ordering-file`) keeps the
# code that runs together, on fewer pages (BENCHMARKS.md §14).
#
# What it runs, under callgrind (instructions, so the set does not depend on timing):
#   1. PostgreSQL primary + replica (as bench/floor.sh): start-up, commands at c=4, stale
#      clicks, /metrics, /healthz, /readyz, then SIGTERM (the drain and shutdown);
#   2. the embedded SQLite default: a fresh file (migrations, demo seed), a few commands,
#      SIGTERM. Its functions not listed by run 1 follow run 1's.
# The first run's functions come hottest first, then the rest in order of their own cost.
# A function missing from the list is not an error: lld places it after the listed ones, in
# its usual order, so the list ages gracefully as the code changes; run this again after a
# large change (and after a dependency upgrade: symbol names carry a hash).
#
# Usage: bench/text-order.sh        (writes link/text-order.txt; needs a release build)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OUT="${TEXT_ORDER_OUT:-$BENCH_ROOT/link/text-order.txt}"
WORK="$(mktemp -d /tmp/expire-bot-text-order.XXXXXX)"
BENCH_SECRET=bench-signing-secret

bench_build
bench_cluster
bench_db bench_text_order
DATABASE_URL="$DB_PRIMARY_URL" "$BOT" migrate >/dev/null
bench_wait_replay 120
STALE_ID="$("$DRIVER" prepare-stale --primary "$DB_PRIMARY_URL")"
bench_stub

# The bot under callgrind, its output in $WORK/NAME.out.
cg() { BOT_WRAP=(valgrind --tool=callgrind --demangle=no --callgrind-out-file="$WORK/$1.out"); }
drive() {
    "$DRIVER" ack --url "$BOT_URL" --secret "$BENCH_SECRET" --closed --concurrency 4 \
        --warmup 0 "$@" >/dev/null
}

blog "text order: PostgreSQL run"
cg pg
bench_bot DATABASE_URL="$DB_PRIMARY_URL" DATABASE_REPLICA_URL="$DB_REPLICA_URL"
drive --kind command --duration 6
drive --kind stale-click --request-id "$STALE_ID" --duration 3
for p in metrics healthz readyz; do curl -fsS -o /dev/null "$BOT_URL/$p"; done
sleep 6 # past one upkeep tick (telemetry drains every 5 s)
bench_stop_bot

blog "text order: SQLite run"
cg sqlite
bench_bot DATABASE_URL="sqlite://$WORK/bot.db?mode=rwc"
drive --kind command --duration 3
curl -fsS -o /dev/null "$BOT_URL/metrics"
bench_stop_bot
BOT_WRAP=()

python3 "$BENCH_ROOT/bench/text_order.py" "$(basename "$BOT")" "$WORK/order.txt" "$WORK/pg.out" "$WORK/sqlite.out"
{
    echo "# Link order of the release binary's functions: written by bench/text-order.sh, read by"
    echo "# build.rs (lld --symbol-ordering-file). $(git -C "$BENCH_ROOT" rev-parse --short HEAD), $(date -u +%F)."
    cat "$WORK/order.txt"
} >"$OUT"
rm -rf "$WORK"
blog "wrote $OUT ($(grep -vc '^#' "$OUT") functions)"
