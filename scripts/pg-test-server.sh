#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL server for the tests, never touching a system cluster.
#   scripts/pg-test-server.sh start DIR   -> prints the admin URL on stdout
#   scripts/pg-test-server.sh restart DIR  (the tests of reconnection use it)
#   scripts/pg-test-server.sh stop DIR
# initdb and postgres refuse to run as root, so as root they run as the "postgres" user, in a
# folder that user owns, with the server log inside it.
set -euo pipefail

action=${1:?usage: pg-test-server.sh start|stop DIR}
dir=${2:?usage: pg-test-server.sh start|stop DIR}

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pgbin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$pgbin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
CONF
    # A throwaway test server needs no crash durability; without fsync its checkpoints (and so
    # restarts) stay fast however many test databases were created. Benchmarks ask for the
    # default, durable settings with PG_DURABLE=1.
    if [ "${PG_DURABLE:-0}" != 1 ]; then
        printf 'fsync = off\nfull_page_writes = off\nsynchronous_commit = off\n' >>"$dir/data/postgresql.conf"
    fi
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || { echo "PostgreSQL did not start:" >&2; cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
restart)
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null
    ;;
stop)
    [ -d "$dir/data" ] && as_owner "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: pg-test-server.sh start|restart|stop DIR" >&2; exit 2 ;;
esac
