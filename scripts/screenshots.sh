#!/bin/sh
# Remakes docs/screenshots/*.png from the real window: builds callboard_screenshots, which stages a
# queue (the plays of ../shared/plays parsed for real, jobs in every state) in a temporary SQLite
# file and grabs the main window (timeline, playbook, failed job, a drop in progress) and the
# connection dialog, in English and German. Runs headless (offscreen platform).
#
#   scripts/screenshots.sh [BUILD_DIR] [--lang en,de]
# CALLBOARD_SCREENSHOT_PG_URL=postgres://… shows a successful "Test connection" against it.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-gui}
[ $# -gt 0 ] && shift
if [ ! -f "$build/build.ninja" ] && [ ! -f "$build/Makefile" ]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build" --target callboard_screenshots -j2
mkdir -p "$root/docs/screenshots"
QT_QPA_PLATFORM=offscreen "$build/app/gui/callboard_screenshots" "$root/docs/screenshots" \
    "$root/../shared/plays" "$@"
ls -l "$root/docs/screenshots"
