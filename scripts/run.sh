#!/usr/bin/env bash
# Installs what is missing, builds, and starts Callboard on its embedded SQLite queue.
# Arguments are passed on: scripts/run.sh --db postgres://… , scripts/run.sh list, …
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
exec ./build/app/callboard "$@"
