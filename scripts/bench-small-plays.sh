#!/usr/bin/env bash
# Many small real plays through the command line, beside graphile-worker's no-op jobs on the same
# PostgreSQL in the same run (issue #11): `callboard enqueue` of N two-speech play files, then
# `callboard worker --workers W --drain`, then graphile-worker's addJobs and drain of N no-op jobs.
#   scripts/bench-small-plays.sh            N=5000 W=4; PEERS=none skips graphile-worker
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
n=${N:-5000}
workers=${W:-4}
bash scripts/install-deps.sh
bash scripts/build.sh >/dev/null
pgdir=$(mktemp -d /tmp/callboard-bench-pg.XXXXXX)
plays=$(mktemp -d /tmp/callboard-small-plays.XXXXXX)
trap 'bash "$root/scripts/pg-test-server.sh" stop "$pgdir"; rm -rf "$pgdir" "$plays"' EXIT
admin=$(PG_DURABLE=1 bash scripts/pg-test-server.sh start "$pgdir")
port=$(cat "$pgdir/port")
for i in $(seq 1 "$n"); do
    printf 'ACT I\n\nANNA. Good morning, number %d.\n\nBORIS. And to you.\n' "$i" >"$plays/play-$i.txt"
done
psql -X -q "$admin" -c "CREATE DATABASE smallplays"
db="postgres://postgres@127.0.0.1:$port/smallplays"
bin=./build/app/callboard
"$bin" --db "$db" list >/dev/null # migrations, outside the timings

now() { date +%s.%N; }
t0=$(now)
# One process for all the files: the names on standard input, not through xargs (whose 128 kB
# command line splits 5,000 names into two processes).
ls "$plays" | sed "s|^|$plays/|" | "$bin" --db "$db" enqueue --files-from - >/dev/null
t1=$(now)
"$bin" --db "$db" worker --workers "$workers" --drain 2>/dev/null
t2=$(now)
done=$(psql -X -At "$db" -c "SELECT COUNT(*) FROM \"ParseJob\" WHERE status = 'completed' AND \"playbookId\" IS NOT NULL")
echo "Callboard, $n two-speech plays, PostgreSQL (durable), through the command line:"
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$n" -v d="$done" -v w="$workers" 'BEGIN {
    printf "  enqueue (callboard enqueue, one process, %d files)   %8.0f plays/s  (%.2f s)\n", n, n/(b-a), b-a
    printf "  drain (callboard worker --workers %d --drain)         %8.0f plays/s  (%.2f s, %d completed with a playbook)\n", w, n/(c-b), c-b, d }'

if [ "${PEERS:-graphile-worker}" != none ]; then
    copy=/tmp/callboard-peers
    if [ ! -d "$copy/graphile-worker/node_modules" ]; then
        rm -rf "$copy" && cp -r "$root/../shared/peers" "$copy" && chmod -R u+w "$copy"
    fi
    echo "graphile-worker, $n no-op jobs, same server, default config:"
    PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres PGPASSWORD=unused PEERS=graphile-worker \
        PEERS_COPY=1 JOBS="$n" SINGLE_JOBS=200 CONCURRENCIES="$workers" LAT_SAMPLES=20 \
        bash "$copy/run-peers.sh" 2>&1 | sed -n '/^Peer job-queue figures/,$p'
fi
