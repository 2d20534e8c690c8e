#!/usr/bin/env bash
# Builds and runs the queue benchmark against a throwaway PostgreSQL server and SQLite.
#   scripts/bench.sh [queue_bench options]     e.g. --quick, --only drain,latency
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/install-deps.sh
bash scripts/build.sh
pgdir=$(mktemp -d /tmp/callboard-bench-pg.XXXXXX)
trap 'bash "$root/scripts/pg-test-server.sh" stop "$pgdir"; rm -rf "$pgdir"' EXIT
url=$(PG_DURABLE=1 bash scripts/pg-test-server.sh start "$pgdir")
./build/bench/queue_bench --pg "$url" "$@"
