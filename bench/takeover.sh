#!/usr/bin/env bash
# Issue 15, coordinator death: two `fanout serve --role api` and two `fanout worker`s on one store; a batch of TARGETS (8)
# `sleep 60` targets accepted by the first server; that server killed with kill -9 while they run. Prints the time from the
# kill until the second server has taken the run over by itself and its targets run again on the workers (first and last),
# and until the workers have stopped the targets the dead server had leased (their shells are gone).
# Failure detection FD (default 10s, the documented default). Everything on 127.0.0.1, stopped by PID at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=${TARGETS:-8}; FD=${FD:-10s}
source bench/lib/postgres.sh

dotnet build src/Fanout.Cli -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
fanout=$(pwd)/src/Fanout.Cli/bin/Release/net10.0/fanout
{ echo "defaults: {transport: local}"; echo "targets:"; for i in $(seq -w 1 "$TARGETS"); do echo "  t$i: {}"; done; } > "$d/inventory.yaml"
store=$(pg_database takeover)
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
  -d "{\"selector\":{\"all\":true},\"action\":{\"type\":\"command\",\"value\":\"echo \$FANOUT_TARGET \$(date +%s.%N) \$\$ >> $log; sleep 60\"},\"options\":{\"parallel\":$TARGETS}}" > /dev/null
until [ "$(wc -l < "$log")" -ge "$TARGETS" ]; do sleep 0.05; done
shells=$(awk '{print $3}' "$log")
echo "load before the kill: $(uptime)"
t_kill=$(date +%s.%N); kill -9 "$first"
# The shells of the targets the dead coordinator leased are stopped by their workers once it is declared dead.
while for p in $shells; do [ -d "/proc/$p" ] && break; done; do sleep 0.05; done
t_stopped=$(date +%s.%N)
until [ "$(wc -l < "$log")" -ge $((2 * TARGETS)) ]; do sleep 0.05; done
python3 - "$log" "$t_kill" "$TARGETS" "$FD" "$t_stopped" <<'PY'
import sys
lines = [l.split() for l in open(sys.argv[1])]
kill, n = float(sys.argv[2]), int(sys.argv[3])
again = sorted(float(l[1]) - kill for l in lines[n:])
print(f"coordinator killed with {n} targets running; the other server took the run over and they ran again "
      f"{again[0]:.2f}s (first) to {again[-1]:.2f}s (last) after the kill (failure detection {sys.argv[4]}); "
      f"the workers had stopped the dead coordinator's {n} targets {float(sys.argv[5]) - kill:.2f}s after the kill")
PY
echo "load after: $(uptime)"
