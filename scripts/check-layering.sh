#!/usr/bin/env bash
# The window never touches the database itself: ui/ and models/ talk to the session
# (session/), which owns the connections. A QtSql include or type there would bring back
# statements on the GUI thread; this check fails naming the file.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
while IFS= read -r file; do
    echo "check-layering: $file uses QtSql (QSql…); ask the Session instead" >&2
    status=1
done < <(grep -rlE 'QSql|QtSql' ui models --include='*.h' --include='*.cpp' || true)
if [ "$status" -eq 0 ]; then
    echo "check-layering: no QtSql in ui/ or models/"
fi
exit "$status"
