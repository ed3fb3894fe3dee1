# Sourced by the cluster benches (bench/cluster.sh, bench/takeover.sh): a throwaway PostgreSQL 15 on 127.0.0.1, as root
# (initdb runs as the postgres user). Sets
#   d          a fresh temporary directory: PostgreSQL's data and log, and the bench's own files;
#   port       PostgreSQL's port;
#   pids       an array: append the PID of every process the bench starts;
# and defines free_port (prints a free TCP port on 127.0.0.1) and pg_database NAME (creates the database, prints its store URL).
# At exit every process in pids gets SIGTERM and is waited for, then PostgreSQL is stopped and $d removed.
PG=/usr/lib/postgresql/15/bin
d=$(mktemp -d); chown postgres:postgres "$d"
pids=()
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
runuser -u postgres -- "$PG/initdb" -D "$d/data" -U fanout --auth=trust -E UTF8 --no-locale >/dev/null
runuser -u postgres -- "$PG/pg_ctl" -D "$d/data" -l "$d/log" -o "-p $port -k $d -c listen_addresses=127.0.0.1" -w start >/dev/null
pg_database() {
  psql -q -h 127.0.0.1 -p "$port" -U fanout -d postgres -c "create database $1"
  echo "postgres://fanout@127.0.0.1:$port/$1"
}
stop() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
  pg=$(head -1 "$d/data/postmaster.pid" 2>/dev/null || true)
  [ -n "$pg" ] && kill -INT "$pg" 2>/dev/null && while kill -0 "$pg" 2>/dev/null; do sleep 0.1; done
  rm -rf "$d"
}
trap stop EXIT; trap "exit 143" TERM INT  # a killed bench still stops what it started
