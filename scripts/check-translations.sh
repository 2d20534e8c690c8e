#!/usr/bin/env bash
# Fails (exit 1), naming the strings, when a message in translations/*.ts is unfinished or empty,
# when a source string is not in the .ts files yet, or when a translation loses or invents a
# placeholder (%1…%9, %n). The committed files are not changed: lupdate runs on a copy, over the
# sources that ui/CMakeLists.txt lists for qt_add_translations (keep the two lists alike).
# Fix: `cmake --build build --target update_translations`, then scripts/fill-translations.py
# (or Linguist).
set -euo pipefail
cd "$(dirname "$0")/.."

# Qt 6's lupdate: $LUPDATE, then where Qt 6 says its tools are, then the usual places. A bare
# `lupdate` on PATH may be Qt 5's (qtchooser), so it counts only when it says it is 6.x.
find_lupdate() {
    local candidate dir
    if [ -n "${LUPDATE:-}" ]; then
        echo "$LUPDATE"
        return 0
    fi
    for tool in qtpaths6 qtpaths qmake6; do
        command -v "$tool" >/dev/null 2>&1 || continue
        for var in QT_HOST_BINS QT_HOST_LIBEXECS QT_INSTALL_BINS; do
            dir=$("$tool" --query "$var" 2>/dev/null || "$tool" -query "$var" 2>/dev/null || true)
            if [ -n "$dir" ] && [ -x "$dir/lupdate" ] && "$dir/lupdate" -version 2>/dev/null | grep -q ' 6\.'; then
                echo "$dir/lupdate"
                return 0
            fi
        done
    done
    for candidate in /usr/lib/qt6/bin/lupdate /usr/lib/qt6/libexec/lupdate \
                     /usr/lib/x86_64-linux-gnu/qt6/bin/lupdate /usr/lib/aarch64-linux-gnu/qt6/bin/lupdate \
                     "$(command -v lupdate6 2>/dev/null || true)" "$(command -v lupdate-qt6 2>/dev/null || true)" \
                     "$(command -v lupdate 2>/dev/null || true)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -version 2>/dev/null | grep -q ' 6\.'; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! lupdate=$(find_lupdate); then
    echo "check-translations: Qt 6's lupdate not found (Debian: qt6-l10n-tools; or set LUPDATE)" >&2
    exit 1
fi

tmp=$(mktemp -d /tmp/callboard-tr.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
shopt -s nullglob
ts_files=(translations/*.ts)
if [ ${#ts_files[@]} -eq 0 ]; then
    echo "check-translations: no translations/*.ts" >&2
    exit 1
fi
cp "${ts_files[@]}" "$tmp/"

# As in ui/CMakeLists.txt (qt_add_translations SOURCES). With the project root as include path,
# as in the build, so that Engine::Tr resolves to its "Engine" context (engine/enginetr.h).
sources=(ui/*.cpp ui/*.h models/*.cpp models/*.h session/*.cpp session/*.h
         engine/*.cpp engine/parse/*.cpp app/gui/guiapp.cpp)
printf '%s\n' "${sources[@]}" > "$tmp/sources.lst"
if ! "$lupdate" -silent -no-obsolete -locations none -I "$(pwd)" "@$tmp/sources.lst" -ts "$tmp"/*.ts \
        >"$tmp/lupdate.log" 2>&1; then
    cat "$tmp/lupdate.log" >&2
    echo "check-translations: $lupdate failed" >&2
    exit 1
fi

python3 - "$tmp" "${ts_files[@]}" <<'EOF'
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

tmp = Path(sys.argv[1])
problems = []
stale = []


def messages(path):
    out = {}
    for context in ET.parse(path).getroot().findall("context"):
        name = context.find("name").text
        for message in context.findall("message"):
            out[(name, message.find("source").text or "")] = message
    return out


def placeholders(text):
    return sorted(set(re.findall(r"%(?:n|L?[1-9])", text or "")))


for committed in sys.argv[2:]:
    committed = Path(committed)
    fresh = messages(tmp / committed.name)
    before = messages(committed)
    for (context, source) in sorted(before.keys() - fresh.keys()):
        stale.append(f"{committed}: {context}: {source!r}")
    for (context, source), message in sorted(fresh.items()):
        where = f"{committed}: {context}: {source!r}"
        translation = message.find("translation")
        kind = translation.get("type") if translation is not None else "unfinished"
        if (context, source) not in before:
            problems.append(f"{where}: not in the .ts file (run update_translations and translate it)")
            continue
        if kind in ("unfinished", "vanished", "obsolete"):
            problems.append(f"{where}: {kind}")
            continue
        numerus = message.get("numerus") == "yes"
        forms = [f.text or "" for f in translation.findall("numerusform")] if numerus else [translation.text or ""]
        if not forms or not all(form.strip() for form in forms):
            problems.append(f"{where}: empty translation")
            continue
        wanted = [p for p in placeholders(source) if p != "%n"]
        for form in forms:
            got = [p for p in placeholders(form) if p != "%n"]
            if got != wanted:
                problems.append(f"{where}: placeholders {wanted} in the source, {got} in {form!r}")
        if "%n" in source and not any("%n" in form for form in forms):
            problems.append(f"{where}: %n is in no form of the translation")

if stale:
    print(f"check-translations: warning: {len(stale)} message(s) no longer in the sources "
          "(run update_translations):", file=sys.stderr)
    for line in stale[:10]:
        print(f"  {line}", file=sys.stderr)
if problems:
    print("check-translations: messages without a proper translation:", file=sys.stderr)
    for line in problems:
        print(f"  {line}", file=sys.stderr)
    sys.exit(1)
print(f"check-translations: every message in {', '.join(sys.argv[2:])} is translated")
EOF
