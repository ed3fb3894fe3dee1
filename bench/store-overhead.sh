#!/usr/bin/env bash
# SPEC N5: the cost of recording 10,000 target results, SQLite and PostgreSQL, versus no store.
# Starts a throwaway PostgreSQL 15 cluster on 127.0.0.1 (stopped by PID at exit), then runs
# `Fanout.Benchmarks --store-overhead` (Release). TARGETS=, PARALLEL=, RUNS= override.
set -euo pipefail
cd "$(dirname "$0")/.."
PG=/usr/lib/postgresql/15/bin
d=$(mktemp -d); chown postgres:postgres "$d"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
runuser -u postgres -- "$PG/initdb" -D "$d/data" -U fanout --auth=trust -E UTF8 --no-locale >/dev/null
runuser -u postgres -- "$PG/pg_ctl" -D "$d/data" -l "$d/log" -o "-p $port -k $d -c listen_addresses=127.0.0.1" -w start >/dev/null
stop() {
  pid=$(head -1 "$d/data/postmaster.pid" 2>/dev/null || true)
  [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null && while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -rf "$d"
}
trap stop EXIT
psql -q -h 127.0.0.1 -p "$port" -U fanout -d postgres -c "create database fanout"
dotnet run -c Release --project bench/Fanout.Benchmarks -- --store-overhead \
  --targets "${TARGETS:-10000}" --parallel "${PARALLEL:-32}" --runs "${RUNS:-3}" \
  --postgres "postgres://fanout@127.0.0.1:$port/fanout"
