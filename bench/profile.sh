#!/usr/bin/env bash
# Where a command's time and memory go on the acknowledgement path at saturation (issue
# 17), the bot beside the reference floor where a comparison says something. Nothing here
# is a benchmark figure: profilers slow the process down; these are shares and counts.
#
#   perf       perf record (cpu-clock, DWARF call graphs) of the bot's threads during a
#              closed loop at c=CONC; samples by leaf kind (binary, kernel, glibc malloc)
#              and by component of the acknowledgement path (bench/profile.py perf)
#   callgrind  instructions per command, bot and floor, counted only during the load
#              (valgrind: deterministic, not moved by the machine's load; SHA-256 runs in
#              software there, without the SHA extensions the real CPU uses)
#   dhat       heap allocations and bytes per command and the heap's peak, bot and floor
#              (two loads of different length, so start-up cancels out)
#   syscalls   system calls per command, bot and floor (strace -c -f)
#   variants   the bot unchanged under other conditions, interleaved, BENCH_RUNS rounds:
#              /metrics scraped every second (drains the histograms, as an upkeep would),
#              MALLOC_ARENA_MAX=1, and mimalloc / jemalloc by LD_PRELOAD when installed
#              (Debian: libmimalloc2.0, libjemalloc2) — experiments only, the bot ships
#              with glibc's allocator
#
# Needs perf (linux-perf), valgrind and strace. Outputs in $BENCH_RESULTS/profile/.
# Usage: bench/profile.sh [perf|callgrind|dhat|syscalls|variants ...]   (default: all;
#        CONC=32 DURATION=10 BENCH_RUNS=3; callgrind: CG_APPS="bot floor", CG_KEEP=1 keeps
#        the raw output for callgrind_annotate --tree=caller)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONC="${CONC:-32}"
DURATION="${DURATION:-10}"
OUTDIR="$BENCH_RESULTS/profile"
mkdir -p "$OUTDIR"
steps=("$@")
((${#steps[@]})) || steps=(perf callgrind dhat syscalls variants)
BENCH_SECRET=bench-signing-secret

bench_build
bench_floor_build
bench_machine | tee -a "$BENCH_RESULTS/machine.jsonl" >&2
bench_cluster
bench_db bench_profile
DATABASE_URL="$DB_PRIMARY_URL" "$BOT" migrate >/dev/null
bench_wait_replay 120
bench_stub

BOT_WRAP=()
# start APP: a fresh bot or floor (through BOT_WRAP); sets APP_PID, APP_URL, APP_PATH.
start() {
    if [[ $1 == bot ]]; then
        bench_bot DATABASE_URL="$DB_PRIMARY_URL" DATABASE_REPLICA_URL="$DB_REPLICA_URL" "${@:2}"
        APP_PID=$BOT_PID APP_URL=$BOT_URL APP_PATH=/slack/commands
    else
        bench_floor_start
        APP_PATH=/slack/commands-open
    fi
}
stop() {
    kill -TERM "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
    bench_forget "$APP_PID"
}
# load SECONDS [ARGS...]: closed loop at c=CONC against the running app; one JSON line.
load() {
    local secs=$1
    shift
    "$DRIVER" ack --url "$APP_URL" --path "$APP_PATH" --secret "$BENCH_SECRET" --kind command \
        --closed --concurrency "$CONC" --duration "$secs" --warmup 0 "$@"
}
ok_of() { jq -r .ok; }

step_perf() {
    start bot
    sleep 1
    load 3 >/dev/null
    perf record -q -e cpu-clock -F 2000 --call-graph dwarf,16384 -p "$APP_PID" \
        -o "$OUTDIR/bot.perf.data" -- sleep "$((DURATION - 2))" 2>/dev/null &
    local pp=$!
    load "$DURATION" --pid "$APP_PID" --stub-pid "$STUB_PID" >"$OUTDIR/perf-load.json"
    wait "$pp"
    stop
    blog "perf script (a minute or so)"
    perf script -i "$OUTDIR/bot.perf.data" -F tid,period,ip,sym,dso 2>/dev/null >"$OUTDIR/bot.perf.txt"
    {
        echo "# bench/profile.sh perf: bot at c=$CONC; load: $(jq -c '{throughput_rps, target_cpu_us_per_req, load1}' "$OUTDIR/perf-load.json")"
        python3 "$BENCH_ROOT/bench/profile.py" perf "$OUTDIR/bot.perf.txt"
    } | tee "$OUTDIR/perf.txt"
    rm -f "$OUTDIR/bot.perf.data" "$OUTDIR/bot.perf.txt"
}

step_callgrind() {
    local app ok total
    for app in ${CG_APPS:-bot floor}; do
        BOT_WRAP=(valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUTDIR/callgrind.$app.out")
        start "$app"
        BOT_WRAP=()
        sleep 2
        load 3 >/dev/null
        callgrind_control -i on "$APP_PID" >/dev/null
        ok="$(load 15 | ok_of)"
        callgrind_control -i off "$APP_PID" >/dev/null
        callgrind_control -d "$APP_PID" >/dev/null
        stop
        # The dump (callgrind.APP.out.1) holds the load only: instrumentation was off before.
        total="$(awk '/^totals:/ {print $2}' "$OUTDIR/callgrind.$app.out.1")"
        local sha alloc
        read -r sha alloc < <(callgrind_annotate --inclusive=no --threshold=100 "$OUTDIR/callgrind.$app.out.1" 2>/dev/null |
            awk '/^ *[0-9,]+ +\(/ {v=$1; gsub(",", "", v); if ($0 ~ /sha2::/) s+=v; if ($0 ~ /malloc\/(malloc|arena)\.c/) a+=v} END {print s+0, a+0}')
        {
            echo "# bench/profile.sh callgrind: $app, $ok commands at c=$CONC; instructions per command (user space): $((total / ok)), of which SHA-256 in software $((sha / ok)) (the real CPU has SHA extensions: ~1 % in perf), glibc malloc/free $((alloc / ok))"
            echo "## self, per command"
            callgrind_annotate --inclusive=no "$OUTDIR/callgrind.$app.out.1" 2>/dev/null |
                awk -v n="$ok" -v top=30 '/^ *[0-9,]+ +\(/ && k++ < top {v=$1; gsub(",", "", v); sub(/^ *[0-9,]+ +\( *[0-9.]+%\) +/, ""); printf "%9.0f  %s\n", v/n, substr($0, 1, 170)}'
            echo "## inclusive, per command"
            callgrind_annotate --inclusive=yes "$OUTDIR/callgrind.$app.out.1" 2>/dev/null |
                awk -v n="$ok" -v top=70 '/^ *[0-9,]+ +\(/ && k++ < top {v=$1; gsub(",", "", v); sub(/^ *[0-9,]+ +\( *[0-9.]+%\) +/, ""); printf "%9.0f  %s\n", v/n, substr($0, 1, 170)}'
        } >"$OUTDIR/callgrind-$app.txt"
        head -1 "$OUTDIR/callgrind-$app.txt"
        [[ ${CG_KEEP:-0} == 1 ]] || rm -f "$OUTDIR/callgrind.$app.out" "$OUTDIR/callgrind.$app.out.1"
    done
}

step_dhat() {
    local app secs n1 n2
    for app in bot floor; do
        for secs in 4 16; do
            BOT_WRAP=(valgrind --tool=dhat --num-callers=30 --dhat-out-file="$OUTDIR/dhat.$app.$secs.json")
            start "$app"
            BOT_WRAP=()
            sleep 2
            if [[ $secs == 4 ]]; then n1="$(load "$secs" | ok_of)"; else n2="$(load "$secs" | ok_of)"; fi
            stop
        done
        {
            echo "# bench/profile.sh dhat: $app, c=$CONC, runs of $n1 and $n2 commands"
            python3 "$BENCH_ROOT/bench/profile.py" dhat "$OUTDIR/dhat.$app.4.json" "$n1" "$OUTDIR/dhat.$app.16.json" "$n2"
        } >"$OUTDIR/dhat-$app.txt"
        head -2 "$OUTDIR/dhat-$app.txt"
        rm -f "$OUTDIR/dhat.$app".*.json
    done
}

step_syscalls() {
    local app ok sp
    for app in bot floor; do
        start "$app"
        sleep 1
        load 2 >/dev/null
        strace -c -f -p "$APP_PID" -o "$OUTDIR/strace.$app.txt" 2>/dev/null &
        sp=$!
        sleep 1
        ok="$(load 5 | ok_of)"
        sleep 0.5
        kill -INT "$sp"
        wait "$sp" 2>/dev/null || true
        stop
        {
            echo "# bench/profile.sh syscalls: $app, $ok commands at c=$CONC (strace attached 1 s before the load, detached 0.5 s after)"
            awk -v n="$ok" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "syscall" {printf "%7.2f per command  %s\n", $4/n, $NF}' "$OUTDIR/strace.$app.txt"
        } | tee "$OUTDIR/syscalls-$app.txt"
        rm -f "$OUTDIR/strace.$app.txt"
    done
}

step_variants() {
    local out="$OUTDIR/variants.jsonl" run lib
    : >"$out"
    local -a names=(glibc glibc+scrape glibc+arena1+scrape)
    declare -A envs=([glibc]="" [glibc+scrape]="" [glibc+arena1+scrape]="MALLOC_ARENA_MAX=1")
    for lib in mimalloc jemalloc; do
        local so
        so="$(ls /usr/lib/x86_64-linux-gnu/lib$lib.so.2 2>/dev/null || true)"
        [[ -n $so ]] || continue
        names+=("$lib+scrape")
        envs[$lib+scrape]="LD_PRELOAD=$so"
    done
    for ((run = 1; run <= BENCH_RUNS; run++)); do
        for name in "${names[@]}"; do
            # shellcheck disable=SC2086 # the variant's variables, one word each
            start bot ${envs[$name]}
            sleep 1
            local scraper=""
            if [[ $name == *scrape* ]]; then
                (while sleep 1; do curl -s -o /dev/null "$APP_URL/metrics"; done) &
                scraper=$!
            fi
            "$DRIVER" ack --url "$APP_URL" --secret "$BENCH_SECRET" --kind command --closed \
                --concurrency "$CONC" --duration "$DURATION" --warmup 2 --pid "$APP_PID" \
                --stub-pid "$STUB_PID" --app bot --run "$run" --label "bot c=$CONC, $name" | tee -a "$out"
            if [[ -n $scraper ]]; then
                kill "$scraper"
                wait "$scraper" 2>/dev/null || true
            fi
            stop
        done
    done
    "$DRIVER" summarize "$out" |
        grep -E '^##|throughput_rps|target_cpu_us_per_req|bot_hwm_after_kb|bot_anon_after_kb|bot_rss_before_kb|load1' |
        tee "$OUTDIR/variants.txt"
}

for s in "${steps[@]}"; do
    blog "profile: $s"
    "step_$s"
done
