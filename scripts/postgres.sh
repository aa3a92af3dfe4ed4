#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the PostgreSQL tests (docs/postgres.md).
#
#   eval "$(bash scripts/postgres.sh start)"   # exports FAPIAO_POSTGRES_URL and FAPIAO_POSTGRES_DIR
#   bash scripts/postgres.sh stop              # stops it and deletes its directory
#   bash scripts/postgres.sh restart           # kill it as a crash would, then start it again
#   bash scripts/postgres.sh bindir            # where PostgreSQL's programs are (fails if none)
#
# The tests' cluster runs with `fsync=off`: it is thrown away, and its crash
# tests kill the server, not the machine. FAPIAO_POSTGRES_DURABLE=1 starts one
# with PostgreSQL's defaults instead (`fsync=on`, `synchronous_commit=on`: a
# commit waits for its WAL on disk), as the benchmarks compare it with SQLite
# syncing its WAL at every commit.
#
# FAPIAO_POSTGRES_TLS_DIR=DIR, a directory holding server.crt and server.key,
# starts one that serves TLS with that certificate and refuses connections
# over TCP without it (the socket in its directory still takes them).
#
# The cluster lives in a temporary directory (FAPIAO_POSTGRES_DIR), listens on
# 127.0.0.1 and a Unix socket in that directory, on port FAPIAO_POSTGRES_PORT
# (54329 by default), trusts local connections, and keeps nothing on disk after
# `stop`. initdb refuses to run as root: as root, the cluster runs as the
# `postgres` user. `start` prints the export lines on stdout and everything
# else on stderr.
set -euo pipefail

port=${FAPIAO_POSTGRES_PORT:-54329}

bindir() {
    if command -v initdb >/dev/null; then
        dirname "$(command -v initdb)"
        return
    fi
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$found" ]; then
        echo "postgres.sh: no initdb found (install Debian's postgresql)" >&2
        exit 2
    fi
    echo "$found"
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    local bin dir
    bin=$(bindir)
    dir=$(mktemp -d /tmp/fapiao-pg.XXXXXX)
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >&2
    local sync="-c fsync=off"
    if [ "${FAPIAO_POSTGRES_DURABLE:-0}" = 1 ]; then
        sync="-c fsync=on -c synchronous_commit=on"
    fi
    local tls=""
    if [ -n "${FAPIAO_POSTGRES_TLS_DIR:-}" ]; then
        cp "$FAPIAO_POSTGRES_TLS_DIR/server.crt" "$FAPIAO_POSTGRES_TLS_DIR/server.key" "$dir/"
        chmod 600 "$dir/server.key"
        if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir/server.crt" "$dir/server.key"; fi
        tls="-c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key"
        { echo "hostnossl all all all reject"; cat "$dir/data/pg_hba.conf"; } >"$dir/hba"
        as_owner cp "$dir/hba" "$dir/data/pg_hba.conf"
    fi
    echo "-p $port -k $dir -c listen_addresses=127.0.0.1 $sync $tls -c max_connections=200" \
        >"$dir/options"
    server_start "$dir"
    echo "export FAPIAO_POSTGRES_DIR=$dir"
    echo "export FAPIAO_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/postgres"
}

server_start() {
    local dir=$1
    as_owner "$(bindir)/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "$(cat "$dir/options")" start >&2
}

cluster_dir() {
    local dir=${1:-${FAPIAO_POSTGRES_DIR:-}}
    if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then
        echo "postgres.sh: no cluster (set FAPIAO_POSTGRES_DIR or pass its directory)" >&2
        exit 2
    fi
    echo "$dir"
}

# Kills the server as a crash would (`pg_ctl -m immediate`: no checkpoint,
# connections cut), waits FAPIAO_POSTGRES_DOWN_SECS (1 by default), starts it
# again; it recovers from its WAL.
restart() {
    local dir
    dir=$(cluster_dir "${1:-}")
    as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m immediate -w stop >&2
    sleep "${FAPIAO_POSTGRES_DOWN_SECS:-1}"
    server_start "$dir"
}

stop() {
    local dir
    dir=$(cluster_dir "${1:-}")
    as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) shift; stop "$@" ;;
    restart) shift; restart "$@" ;;
    bindir) bindir ;;
    *) echo "usage: $0 start | stop [DIR] | restart [DIR] | bindir" >&2; exit 2 ;;
esac
