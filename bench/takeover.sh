#!/usr/bin/env bash
# Issue 15, coordinator death: two `fanout serve --role api` and two `fanout worker`s on one store; a batch of TARGETS (8)
# `sleep 60` targets accepted by the first server; that server killed with kill -9 while they run. Prints the time from the
# kill until the second server has taken the run over by itself and its targets run again on the workers (first and last).
# Failure detection FD (default 10s, the documented default). Everything on 127.0.0.1, stopped by PID at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=${TARGETS:-8}; FD=${FD:-10s}
PG=/usr/lib/postgresql/15/bin
d=$(mktemp -d); chown postgres:postgres "$d"
pids=()
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
runuser -u postgres -- "$PG/initdb" -D "$d/data" -U fanout --auth=trust -E UTF8 --no-locale >/dev/null
runuser -u postgres -- "$PG/pg_ctl" -D "$d/data" -l "$d/log" -o "-p $port -k $d -c listen_addresses=127.0.0.1" -w start >/dev/null
stop() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
  pg=$(head -1 "$d/data/postmaster.pid" 2>/dev/null || true)
  [ -n "$pg" ] && kill -INT "$pg" 2>/dev/null && while kill -0 "$pg" 2>/dev/null; do sleep 0.1; done
  rm -rf "$d"
}
trap stop EXIT

dotnet build src/Fanout.Cli -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
fanout=$(pwd)/src/Fanout.Cli/bin/Release/net10.0/fanout
{ echo "defaults: {transport: local}"; echo "targets:"; for i in $(seq -w 1 "$TARGETS"); do echo "  t$i: {}"; done; } > "$d/inventory.yaml"
store="postgres://fanout@127.0.0.1:$port/takeover"
psql -q -h 127.0.0.1 -p "$port" -U fanout -d postgres -c "create database takeover"
token=$("$fanout" token create --name bench --role operator --store "$store" | tail -1)
for w in w1 w2; do
  "$fanout" worker --store "$store" --failure-detection "$FD" --max-targets "$TARGETS" > "$d/worker-$w.out" 2>&1 &
  pids+=($!)
  until grep -q "joined cluster" "$d/worker-$w.out" 2>/dev/null; do sleep 0.2; done
done
for s in s1 s2; do
  "$fanout" serve --store "$store" --urls http://127.0.0.1:0 -i "$d/inventory.yaml" --role api --failure-detection "$FD" > "$d/serve-$s.out" 2>"$d/serve-$s.err" &
  pids+=($!)
  until grep -q 'http://127\.0\.0\.1:[0-9]*' "$d/serve-$s.out" 2>/dev/null; do sleep 0.2; done
done
first=${pids[2]}
url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$d/serve-s1.out" | head -1)
until [ "$("$fanout" cluster status --store "$store" -o json | grep -c '"status": "active"')" -ge 4 ]; do sleep 0.5; done

log="$d/starts.log"; : > "$log"
curl -s -H "authorization: Bearer $token" -H 'content-type: application/json' "$url/api/executions/batch" \
  -d "{\"selector\":{\"all\":true},\"action\":{\"type\":\"command\",\"value\":\"echo \$FANOUT_TARGET \$(date +%s.%N) >> $log; sleep 60\"},\"options\":{\"parallel\":$TARGETS}}" > /dev/null
until [ "$(wc -l < "$log")" -ge "$TARGETS" ]; do sleep 0.05; done
echo "load before the kill: $(uptime)"
t_kill=$(date +%s.%N); kill -9 "$first"
until [ "$(wc -l < "$log")" -ge $((2 * TARGETS)) ]; do sleep 0.05; done
python3 - "$log" "$t_kill" "$TARGETS" "$FD" <<'PY'
import sys
lines = [l.split() for l in open(sys.argv[1])]
kill, n = float(sys.argv[2]), int(sys.argv[3])
again = sorted(float(l[1]) - kill for l in lines[n:])
print(f"coordinator killed with {n} targets running; the other server took the run over and they ran again "
      f"{again[0]:.2f}s (first) to {again[-1]:.2f}s (last) after the kill (failure detection {sys.argv[4]})")
PY
echo "load after: $(uptime)"
