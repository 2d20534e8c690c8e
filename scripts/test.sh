#!/usr/bin/env bash
# Installs what is missing, builds, starts a throwaway PostgreSQL server and runs every test
# through CTest: the full build, then the engine and parser tests again under ASan + UBSan,
# then the .deb (built, installed, run, removed), then a short fuzz run of the parser. Any failure (or sanitizer report) fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-deps.sh
bash scripts/check-build-deps.sh
bash scripts/check-layering.sh
bash scripts/check-translations.sh
bash scripts/build.sh

pgdir=$(mktemp -d /tmp/callboard-pg.XXXXXX)
cleanup() { bash "$root/scripts/pg-test-server.sh" stop "$pgdir"; rm -rf "$pgdir"; }
trap cleanup EXIT
CALLBOARD_TEST_PG_URL=$(bash scripts/pg-test-server.sh start "$pgdir")
export CALLBOARD_TEST_PG_URL
export CALLBOARD_TEST_PG_DIR="$pgdir"
echo "Test PostgreSQL: $CALLBOARD_TEST_PG_URL"

export QT_QPA_PLATFORM=offscreen
ctest --test-dir build --output-on-failure --timeout 900 -j2

echo "== Debian package: build, install, run, remove"
bash scripts/test-deb.sh

echo "== Engine and parser tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCALLBOARD_ENGINE_ONLY=ON \
    -DCALLBOARD_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$(nproc)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
LSAN_OPTIONS=suppressions="$root/scripts/lsan.supp" \
    ctest --test-dir build-asan --output-on-failure --timeout 900 -L 'engine|parse'

if [ -x tests/fuzz/run-fuzz.sh ]; then
    echo "== Parser fuzzing (short run)"
    FUZZ_SECONDS=${FUZZ_SECONDS:-30} bash tests/fuzz/run-fuzz.sh
fi
