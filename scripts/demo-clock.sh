#!/usr/bin/env bash
# Runs `expire-bot demo` (embedded SQLite) with the wall clock set, by libfaketime, to the
# times of day where a date or a schedule could go wrong: just before and after 09:00 KST
# (the default digest slot, and UTC midnight), KST midnight, and the turn of the year.
#
# Why: everything the bot shows is in DISPLAY_TZ (KST) while the database stores UTC, and
# the digest scheduler runs a missed slot at start-up. A test that passes only at some
# hours is a test CI finds flaky days later (this caught one: before 09:00 KST the demo
# passed, after it the scheduler posted a digest into the story). The clock runs on from
# each start time; the monotonic clock is left alone so timeouts behave. The runs alternate
# between the two languages (UI_LANGUAGE ko and en), so each one's dates and weekdays
# (`2026-12-01 (화)` / `(Tue)`) cross a date boundary.
#
# Usage: scripts/demo-clock.sh [path/to/expire-bot]   (default: target/debug/expire-bot)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BOT="${1:-$ROOT/target/debug/expire-bot}"
[[ -x "$BOT" ]] || { echo "demo-clock: $BOT not built (cargo build first)" >&2; exit 1; }

"$ROOT/scripts/ensure-faketime.sh" demo-clock

# UTC instants; the comment gives the KST wall time the bot will see. LANGUAGES[i] is the
# language of the run at TIMES[i].
LANGUAGES=(ko en ko en)
TIMES=(
    "2026-11-28 23:59:58" # 08:59:58 KST, the 09:00 digest slot falls during the run
    "2026-11-29 00:00:30" # 09:00:30 KST, the slot just passed (UTC date = KST date again)
    "2026-11-29 14:59:40" # 23:59:40 KST, the KST date turns during the run
    "2026-12-31 15:00:10" # 00:00:10 KST on 1 January: new year in KST, old year in UTC
)

WORK="$(mktemp -d /tmp/expire-bot-demo-clock.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
failed=0
for i in "${!TIMES[@]}"; do
    t="${TIMES[$i]}"
    lang="${LANGUAGES[$i]}"
    dir="$WORK/$(echo "$t" | tr -c '0-9\n' '_')"
    mkdir -p "$dir"
    if (cd "$dir" && FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "@$t" "$BOT" demo --language "$lang" >out.txt 2>err.txt); then
        echo "demo-clock: passes at $t UTC ($lang): $(tail -n 1 "$dir/out.txt")"
    else
        echo "demo-clock: FAILS at $t UTC ($lang)" >&2
        sed -n '/^demo FAILED/,$p' "$dir/out.txt" >&2
        tail -n 20 "$dir/err.txt" >&2
        failed=1
    fi
done
exit "$failed"
