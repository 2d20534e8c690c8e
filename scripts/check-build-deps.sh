#!/usr/bin/env bash
# Proves that scripts/install-deps.sh installs everything the build reads: configures the
# project afresh with CMake's JSON trace, and checks that every file under /usr that CMake
# read belongs to a Debian package that install-deps.sh names or that one of those depends on.
# A development machine may have packages from earlier work that a fresh machine lacks; this
# check fails naming such a package instead of letting CI stay green by chance.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

work=$(mktemp -d /tmp/callboard-depcheck.XXXXXX)
trap 'rm -rf "$work"' EXIT

cmake -S "$root" -B "$work/build" -G Ninja --trace-expand --trace-format=json-v1 \
    --trace-redirect="$work/trace.json" >/dev/null

python3 - "$work/trace.json" >"$work/files" <<'PY'
import json, sys
files = set()
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        entry = json.loads(line)
    except ValueError:
        continue
    path = entry.get("file", "")
    if path.startswith("/usr/"):
        files.add(path)
print("\n".join(sorted(files)))
PY

mapfile -t named < <(bash scripts/install-deps.sh --list)
apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "${named[@]}" 2>/dev/null \
    | sed -n 's/^ *\(Pre\)\?Depends: <\?\([^ >:]*\).*/\2/p; s/^\([a-z0-9][^ :]*\).*/\1/p' \
    | sort -u >"$work/allowed"
printf '%s\n' "${named[@]}" >>"$work/allowed"
sort -u -o "$work/allowed" "$work/allowed"

# One dpkg call for all files: "pkg[, pkg...]: /path" per owned file.
xargs -a "$work/files" -d '\n' dpkg -S >"$work/owners" 2>/dev/null || true

python3 - "$work/files" "$work/owners" "$work/allowed" <<'PY'
import sys
files = [l.strip() for l in open(sys.argv[1]) if l.strip()]
allowed = {l.strip() for l in open(sys.argv[3]) if l.strip()}
owners = {}
for line in open(sys.argv[2]):
    if line.startswith("diversion ") or ": /" not in line:
        continue
    packages, path = line.rstrip("\n").split(": /", 1)
    owners.setdefault("/" + path, set()).update(p.strip().split(":")[0] for p in packages.split(","))
status, reported = 0, set()
for f in files:
    found = owners.get(f)
    if not found:
        print(f"check-build-deps: {f} is read by the build but belongs to no Debian package",
              file=sys.stderr)
        status = 1
    elif not found & allowed:
        name = ", ".join(sorted(found))
        if name not in reported:
            reported.add(name)
            print(f"check-build-deps: the build reads {f} from package '{name}', which "
                  "scripts/install-deps.sh neither installs nor pulls in: add it there",
                  file=sys.stderr)
        status = 1
if status == 0:
    print(f"check-build-deps: all {len(files)} files under /usr that CMake read come from "
          "install-deps.sh's packages or their dependencies")
sys.exit(status)
PY
