#!/usr/bin/env bash
# Builds and runs the queue benchmark against a throwaway PostgreSQL server and SQLite.
#   scripts/bench.sh [queue_bench options]     e.g. --quick, --only drain,latency
# With PEERS=graphile-worker (or any PEERS value of ../shared/peers/run-peers.sh), the peer
# queues are measured right after, on the same server, so both sets of figures come from one run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/install-deps.sh
bash scripts/build.sh
pgdir=$(mktemp -d /tmp/callboard-bench-pg.XXXXXX)
trap 'bash "$root/scripts/pg-test-server.sh" stop "$pgdir"; rm -rf "$pgdir"' EXIT
url=$(PG_DURABLE=1 bash scripts/pg-test-server.sh start "$pgdir")
./build/bench/queue_bench --pg "$url" "$@"
if [ -n "${PEERS:-}" ]; then
    shared="$root/../shared/peers"
    [ -f "$shared/run-peers.sh" ] || { echo "no $shared: the peers need ../shared beside the project" >&2; exit 1; }
    # A writable copy outside shared/, kept between runs for its node_modules.
    copy=/tmp/callboard-peers
    if [ ! -d "$copy/graphile-worker/node_modules" ]; then
        rm -rf "$copy" && cp -r "$shared" "$copy" && chmod -R u+w "$copy"
    fi
    port=$(cat "$pgdir/port")
    # The test server trusts local connections; the harness wants a password all the same.
    PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres PGPASSWORD=unused PEERS="$PEERS" PEERS_COPY=1 \
        bash "$copy/run-peers.sh" 2>&1 | sed -n '/^Peer job-queue figures/,$p'
fi
