#!/usr/bin/env bash
# The window never touches the database itself: ui/ and models/ talk to the session
# (session/), which owns the connections. A QtSql include or type there, or a connection
# opened there, would bring back statements on the GUI thread; this check fails naming the file.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
while IFS= read -r file; do
    echo "check-layering: $file uses QtSql or opens a connection; ask the Session instead" >&2
    status=1
done < <(grep -rlE 'QSql|QtSql|ScopedConnection|Database::open' ui models --include='*.h' --include='*.cpp' || true)
if [ "$status" -eq 0 ]; then
    echo "check-layering: no QtSql and no connection in ui/ or models/"
fi
exit "$status"
