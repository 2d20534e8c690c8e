#!/usr/bin/env bash
# Builds the Debian package with CPack, installs it with apt-get (which pulls its Depends),
# runs the installed binary (commands, and the window offscreen), checks the desktop files, and
# removes the package again.
#
#   scripts/test-deb.sh            BUILD_DIR (default: build) is configured and built as needed
#   PLAYS_DIR=…                    where earnest.txt is (default: ../shared/plays)
#
# Needs root (apt-get). If the top-level CMakeLists.txt does not include cmake/packaging.cmake
# yet, it is brought in with CMAKE_PROJECT_INCLUDE.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${BUILD_DIR:-build}
plays=${PLAYS_DIR:-$root/../shared/plays}
[ "$(id -u)" = 0 ] || { echo "test-deb.sh installs a package: run it as root" >&2; exit 1; }
[ -f "$plays/earnest.txt" ] || { echo "No $plays/earnest.txt (set PLAYS_DIR)" >&2; exit 1; }
if dpkg -s callboard >/dev/null 2>&1; then
    echo "A callboard package is installed already; remove it first (apt-get remove callboard)" >&2
    exit 1
fi

configure=(-S . -B "$build" -G Ninja)
[ -f "$build/CMakeCache.txt" ] || configure+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if ! grep -q 'packaging.cmake' CMakeLists.txt; then
    configure+=("-DCMAKE_PROJECT_INCLUDE=$root/cmake/packaging.cmake")
fi
echo "== Configure and build $build"
cmake "${configure[@]}" >/dev/null
cmake --build "$build" --target callboard -j2

echo "== cpack"
rm -f "$build"/callboard_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/callboard_*.deb)
echo "$deb"
dpkg-deb --field "$deb" Package Version Architecture Depends
dpkg-deb --contents "$deb" | awk '{print "  " $6}'

work=$(mktemp -d /tmp/callboard-deb.XXXXXX)
cleanup() {
    apt-get remove -y callboard >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "== apt-get install"
cp "$deb" "$work/"
(cd "$work" && apt-get install -y ./"$(basename "$deb")")

echo "== Installed"
command -v callboard
for file in /usr/share/applications/callboard.desktop \
            /usr/share/icons/hicolor/scalable/apps/callboard.svg \
            /usr/share/icons/hicolor/128x128/apps/callboard.png; do
    [ -f "$file" ] || { echo "missing: $file" >&2; exit 1; }
    echo "  $file"
done
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate /usr/share/applications/callboard.desktop
fi

echo "== callboard --version"
(cd "$work" && callboard --version)

echo "== callboard parse earnest.txt --json"
db=$work/x.db
(cd "$work" && callboard --db "sqlite:$db" parse "$plays/earnest.txt" --json) >"$work/playbook.json"
python3 - "$work/playbook.json" <<'PY'
import json, sys
playbook = json.load(open(sys.argv[1]))
title = playbook.get("title") or playbook.get("playbook", {}).get("title")
characters = playbook.get("characters") or playbook.get("playbook", {}).get("characters") or []
print(f"  title: {title!r}, characters: {len(characters)}")
assert title, "no title in the playbook"
PY

echo "== callboard (the window, offscreen): becomes /usr/libexec/callboard/callboard-gui"
(cd "$work" && QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME="$work/config" exec callboard \
    --db "sqlite:$work/window.db" --workers 0 >"$work/window.log" 2>&1) &
window=$!
exe=
for _ in $(seq 1 100); do
    exe=$(readlink "/proc/$window/exe" 2>/dev/null || true)
    [ "$exe" = /usr/libexec/callboard/callboard-gui ] && [ -s "$work/window.db" ] && break
    sleep 0.1
done
kill "$window" 2>/dev/null || true
wait "$window" 2>/dev/null || true
if [ "$exe" != /usr/libexec/callboard/callboard-gui ] || [ ! -s "$work/window.db" ]; then
    echo "the window did not start (process image: ${exe:-gone}):" >&2
    cat "$work/window.log" >&2
    exit 1
fi
echo "  $exe opened $work/window.db"

echo "== apt-get remove"
apt-get remove -y callboard >/dev/null
if command -v callboard >/dev/null; then echo "callboard still installed" >&2; exit 1; fi
echo "OK: the package installs, runs and removes cleanly"
