#!/bin/sh
# Builds the parser fuzz target with clang++-14 (libFuzzer + AddressSanitizer + UBSan) and runs it.
#
#   tests/fuzz/run-fuzz.sh [SECONDS]      (default 30)
#
# Seeds come from shared/plays (sibling of the repository, or $CALLBOARD_PLAYS_DIR), cut into
# small pieces, and the inputs of tests/fuzz/regressions (each once broke a promise; tst_parse
# checks them too). Exits non-zero when the fuzzer finds a crash, a leak or a broken invariant.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
seconds=${1:-30}
plays=${CALLBOARD_PLAYS_DIR:-$repo/../shared/plays}
work=${FUZZ_WORK_DIR:-$repo/build-fuzz}
CXX=${CXX_FUZZ:-clang++-14}

mkdir -p "$work/corpus" "$work/artifacts"
echo "building $work/fuzz_parse"
# shellcheck disable=SC2046
"$CXX" -std=c++20 -g -O1 -fPIC -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -DQT_NO_CAST_FROM_ASCII -I"$repo" $(pkg-config --cflags Qt6Core Qt6Network) \
    "$here/fuzz_parse.cpp" "$repo"/engine/parse/*.cpp \
    $(pkg-config --libs Qt6Core Qt6Network) -o "$work/fuzz_parse"

# seed corpus: the first lines of every play and a slice from the middle, small enough to mutate
if [ -d "$plays" ]; then
    for f in "$plays"/*.txt; do
        name=$(basename "$f" .txt)
        { printf '\007'; head -c 4000 "$f"; } > "$work/corpus/$name-head"
        { printf '\043'; tail -c +60000 "$f" | head -c 4000; } > "$work/corpus/$name-middle"
    done
fi

echo "fuzzing for $seconds s"
"$work/fuzz_parse" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" "$here/regressions"
