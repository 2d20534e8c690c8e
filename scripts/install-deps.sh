#!/usr/bin/env bash
# Installs the Debian 12 packages Callboard needs to build, run and test, if any is missing.
# Idempotent: does nothing (and needs no network) when everything is there.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config python3
    qt6-base-dev qt6-base-dev-tools libqt6sql6-psql libqt6sql6-sqlite
    qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-translations-l10n
    qt6-charts-dev libqt6opengl6-dev qt6-httpserver-dev qt6-websockets-dev qtkeychain-qt6-dev
    libgl-dev fonts-dejavu-core
    postgresql
    clang libclang-rt-14-dev
    xvfb xauth imagemagick
)

# Node.js and npm run the web application's own Prisma client in one end-to-end test
# (tests/e2e/prisma). A machine that has Node.js keeps it (NodeSource's nodejs package brings
# npm with it, and Debian's npm would fight it); otherwise Debian's. Prisma 7 needs Node.js 20.19
# or newer, and Debian 12's nodejs is 18: that test then says so, and NodeSource's nodejs 20
# (https://deb.nodesource.com) is the cure.
if ! command -v node >/dev/null; then
    packages+=(nodejs npm)
fi

# --list prints the packages, one a line, for scripts/check-build-deps.sh.
if [ "${1:-}" = --list ]; then
    printf '%s\n' "${packages[@]}"
    exit 0
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
    echo "Missing packages and not root: run as root, or install them: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
