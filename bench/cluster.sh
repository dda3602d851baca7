#!/usr/bin/env bash
# The benchmarks' PostgreSQL 15 primary + streaming replica: scripts/pg-cluster.sh's
# cluster plus pg_stat_statements preloaded on both servers (the approval benchmark counts
# statements with it, nested ones inside the approval function included). Use it to keep one cluster across several benchmark scripts, e.g.
# to load 10 M riders once:
#
#   env=$(bench/cluster.sh start /tmp/bench-pg)   # prints the env file's path
#   BENCH_PG_ENV=$env bench/lookup.sh
#   BENCH_PG_ENV=$env APPROVE_DB=bench_lookup bench/approve.sh
#   bench/cluster.sh stop /tmp/bench-pg
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PGC="$ROOT/scripts/pg-cluster.sh"
[[ $# -eq 2 ]] || { sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }
cmd=$1
dir=$2
case $cmd in
    start)
        "$PGC" ensure-bin
        mkdir -p "$dir"
        chmod 755 "$dir"
        env_file="$(PG_CLUSTER_TIMEOUT="${PG_CLUSTER_TIMEOUT:-120}" "$PGC" start "$dir")"
        for side in primary replica; do
            printf "\n# bench/cluster.sh\nshared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track_utility = on\npg_stat_statements.track = all\n" \
                >>"$dir/$side/postgresql.conf"
        done
        "$PGC" stop-replica "$dir"
        "$PGC" stop-primary "$dir"
        "$PGC" start-primary "$dir"
        "$PGC" start-replica "$dir"
        echo "$env_file"
        ;;
    stop) "$PGC" stop "$dir" ;;
    *) echo "usage: bench/cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
