#!/usr/bin/env bash
# The web application's Prisma client against Callboard (roundtrip.ts), from a clean copy in
# WORKDIR: the committed package.json and package-lock.json installed with `npm ci` (again only
# when the lock file changed), the client generated from schema.prisma, then the script run.
# Usage: run-roundtrip.sh WORKDIR CALLBOARD_BINARY   (needs CALLBOARD_TEST_PG_URL)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$1
binary=$2

fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in node npm; do
    command -v "$tool" >/dev/null \
        || fail "$tool is not installed: this test runs the web application's Prisma client (Node.js 20.19 or newer and npm; scripts/install-deps.sh installs the nodejs and npm packages)"
done
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
    || fail "Node.js $(node --version) is too old for Prisma 7 (needs 20.19 or newer)"
[ -n "${CALLBOARD_TEST_PG_URL:-}" ] \
    || fail "CALLBOARD_TEST_PG_URL is not set: run the tests through scripts/test.sh, which starts a PostgreSQL server"
[ -x "$binary" ] || fail "no callboard binary at $binary"

mkdir -p "$work"
cp "$here"/package.json "$here"/package-lock.json "$here"/schema.prisma "$here"/prisma.config.ts \
   "$here"/roundtrip.ts "$work"/
cd "$work"
if ! cmp -s package-lock.json node_modules/.callboard-package-lock.json; then
    # Install scripts stay off: the engines' postinstall would try to download binaries that
    # these machines cannot reach, and the client with a driver adapter does not need them.
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error \
        || fail "npm ci could not install the packages of tests/e2e/prisma/package-lock.json (is the npm registry reachable?)"
    cp package-lock.json node_modules/.callboard-package-lock.json
fi
# `prisma generate` does not need the schema engine, which cannot be downloaded here.
PRISMA_SCHEMA_ENGINE_BINARY=/bin/true PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING=1 \
    ./node_modules/.bin/prisma generate >generate.log 2>&1 \
    || { cat generate.log >&2; fail "prisma generate failed"; }
CALLBOARD_BINARY=$binary ./node_modules/.bin/tsx roundtrip.ts
