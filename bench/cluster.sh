#!/usr/bin/env bash
# SPEC A8 / issue 15: the cluster path against the single-process path, side by side in one go.
#   1. overhead: TARGETS (2000) local `true` targets at --parallel PARALLEL (32) through `fanout serve` alone,
#      then through `fanout serve --role api` + WORKERS (3) `fanout worker`s; wall time of each, ratio printed;
#   2. throughput: NOOP_TARGETS (20000) targets of the `noop` action (nothing runs on a target) at --parallel
#      NOOP_PARALLEL (1000) through the same two set-ups: targets/s through one coordinator (goal >= 20,000/s);
#   3. recovery: a worker killed with kill -9 while it holds `sleep` targets; the time from the kill until its
#      targets start again on another worker (failure detection FD, default 10s, the documented default);
#   4. cli: the whole `fanout exec` of `true` on 9 targets run in the CLI's own process, then with --on-workers (the CLI
#      joins the cluster as a silo for its run and leases the targets to the workers), RUNS pairs: what --on-workers costs.
# ONLY=overhead,throughput,recovery,cli picks sections (default all). Both set-ups run at once (each on its own database of one
# PostgreSQL) and their batches alternate — single, cluster, single, cluster, … — so a change in the machine's speed during
# the bench (it is a shared VM) weighs on both alike. Each figure is the best of RUNS (2), after WARMUP (1) untimed batches of
# the same kind on the same processes: a server and its workers are long-lived, and the first batches of a fresh process
# mostly measure the JIT compiling it (4 processes compile the same code in the cluster, 1 alone); the warm-up's time is
# printed too. Each batch also prints the CPU seconds the server, the workers and PostgreSQL spent on it, and each section the
# cluster ÷ single ratio of every pair (a single batch and the cluster batch after it) and their median.
# Everything on 127.0.0.1: a throwaway PostgreSQL 15 and the fanout processes, all stopped by PID at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=${TARGETS:-2000}; PARALLEL=${PARALLEL:-32}; WORKERS=${WORKERS:-3}; RUNS=${RUNS:-2}; FD=${FD:-10s}
WARMUP=${WARMUP:-1}; NOOP_TARGETS=${NOOP_TARGETS:-20000}; NOOP_PARALLEL=${NOOP_PARALLEL:-1000}; ONLY=${ONLY:-overhead,throughput,recovery,cli}
want() { [[ ",$ONLY," == *",$1,"* ]]; }
source bench/lib/postgres.sh
tracers=()

dotnet build src/Fanout.Cli -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
fanout=$(pwd)/src/Fanout.Cli/bin/Release/net10.0/fanout
# t00001… for the throughput section; group `first` = the first TARGETS of them, for the overhead section.
all=$(( NOOP_TARGETS > TARGETS ? NOOP_TARGETS : TARGETS ))
# Each worker may run as many targets at once as the largest --parallel asked for (the single server gets --max-targets $all):
# with the default 32 per worker, 3 workers would cap the cluster's noop run at 96 at once against the single process's 1,000.
worker_max=$(( NOOP_PARALLEL > PARALLEL ? NOOP_PARALLEL : PARALLEL ))
python3 - "$all" "$TARGETS" > "$d/inventory.yaml" <<'PY'
import sys
n, first = int(sys.argv[1]), int(sys.argv[2])
print("defaults: {transport: local}\ntargets:")
print("\n".join(f"  t{i:05d}: {{}}" for i in range(1, n + 1)))
print("groups:\n  first: {targets: [" + ", ".join(f"t{i:05d}" for i in range(1, first + 1)) + "]}")
PY

# start_serve DB EXTRA... → a server on database DB; `use DB` makes it the one the batches go to
declare -A URLS TOKENS SERVE_PIDS
start_serve() {
  local db=$1 store url; shift
  store=$(pg_database "$db")
  TOKENS[$db]=$("$fanout" token create --name bench --role operator --store "$store" | tail -1)
  "$fanout" serve --store "$store" --urls http://127.0.0.1:0 -i "$d/inventory.yaml" --max-targets "$all" "$@" > "$d/serve-$db.out" 2>"$d/serve-$db.err" &
  pids+=($!); SERVE_PIDS[$db]=$!
  until url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$d/serve-$db.out" 2>/dev/null | head -1) && [ -n "$url" ]; do sleep 0.2; done
  URLS[$db]=$url
}
use() { # DB → url, token, serve_pid and the workers whose CPU a batch counts
  url=${URLS[$1]}; token=${TOKENS[$1]}; serve_pid=${SERVE_PIDS[$1]}; setup=$1
  if [ "$1" = clustered ]; then active_workers=("${worker_pids[@]}"); else active_workers=(); fi
}
start_worker() { # DB TAG → appends pid
  FANOUT_BENCH_WORKER=$2 "$fanout" worker --store "postgres://fanout@127.0.0.1:$port/$1" --failure-detection "$FD" --max-targets "$worker_max" > "$d/worker-$2.out" 2>&1 &
  pids+=($!); worker_pids+=($!)
  until grep -q "joined cluster" "$d/worker-$2.out" 2>/dev/null; do sleep 0.2; done
}
wait_active() { # DB N
  until [ "$("$fanout" cluster status --store "postgres://fanout@127.0.0.1:$port/$1" -o json | grep -c '"status": "active"')" -ge "$2" ]; do sleep 0.5; done
}
# CPU seconds (user + system, with reaped children such as the targets' processes) of the given PIDs.
cpu_of() { local t=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14+$15+$16+$17}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
pg_pids() { local m; m=$(head -1 "$d/data/postmaster.pid"); echo "$m" $(pgrep -P "$m"); }
machine_busy() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
cpu_snapshot() { echo "$(cpu_of "$serve_pid") $(cpu_of "${active_workers[@]}") $(cpu_of $(pg_pids)) $(machine_busy)"; }
worker_pids=()
batch() { # ACTION-JSON SELECTION-JSON PARALLEL → prints the wall seconds from POST to the end (and the CPU it took, on stderr)
  local t0 id status c0
  c0=$(cpu_snapshot); t0=$(date +%s.%N)
  # One python process posts the batch and polls its status every 50 ms (a curl and a python start per poll took ~0.4 CPU
  # seconds per second from the two cores being measured).
  read -r id status < <(python3 - "$url" "$token" "{$2,\"action\":$1,\"options\":{\"parallel\":$3}}" <<'PY'
import json, sys, time, urllib.request
url, token, body = sys.argv[1:4]
def call(path, data=None):
    req = urllib.request.Request(url + path, data=data, headers={"authorization": "Bearer " + token, "content-type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return {"status": f"http-{e.code}"}
batch = call("/api/executions/batch", body.encode())["batchId"]
while (status := call(f"/api/executions/batch/{batch}?pageSize=1")["status"]) in ("queued", "running"):
    time.sleep(0.05)
print(batch, status)
PY
)
  [ "$status" = succeeded ] || { echo "batch $id ended $status" >&2
    curl -s -H "authorization: Bearer $token" "$url/api/executions/batch/$id?pageSize=3&status=failed" | head -c 3000 >&2; echo >&2
    grep -h '"LogLevel":"Error"' "$d"/serve-*.out | grep -v "too many clients" | head -5 | cut -c1-1500 >&2; exit 1; }
  local t1 c1; t1=$(date +%s.%N); c1=$(cpu_snapshot)
  python3 - "$t0" "$c0" "$c1" "$(getconf CLK_TCK)" "$(nproc)" "$t1" "$setup" <<'PY' >&2
import sys
wall = float(sys.argv[6]) - float(sys.argv[1]); a = list(map(int, sys.argv[2].split())); b = list(map(int, sys.argv[3].split())); hz = int(sys.argv[4])
s = [(y - x) / hz for x, y in zip(a, b)]
print(f"   {sys.argv[7]:9} {wall:.2f}s wall; CPU seconds: server {s[0]:.2f}, workers {s[1]:.2f}, postgres {s[2]:.2f}; "
      f"machine busy {s[3]:.2f} of {wall * int(sys.argv[5]):.2f}")
PY
  python3 -c "print(f'{$t1-$t0:.2f}')"
}

compare() { # ACTION-JSON SELECTION-JSON PARALLEL → "SINGLE CLUSTER": the best wall seconds of RUNS alternating batches each,
  local bs=999999 bc=999999 s c setup_name ratios=""  # after WARMUP untimed ones on each set-up
  for setup_name in single clustered; do
    use "$setup_name"
    for _ in $(seq "$WARMUP"); do s=$(batch "$@"); echo "   (warm-up of $setup_name, not counted: ${s}s)" >&2; done
  done
  for _ in $(seq "$RUNS"); do
    use single; s=$(batch "$@"); bs=$(python3 -c "print(min($bs,$s))")
    use clustered; c=$(batch "$@"); bc=$(python3 -c "print(min($bc,$c))")
    ratios="$ratios $(python3 -c "print(f'{$c/$s:.2f}')")"
  done
  # Each pair ran back to back, so its ratio is little moved by a drift of the VM's speed; one slow or fast batch moves the
  # best-of figures above but only one of these.
  python3 -c 'import sys, statistics; r = [float(x) for x in sys.argv[1:]]; each = " ".join("%.2f" % x for x in r); print("   cluster / single of each pair: %s; median %.2fx" % (each, statistics.median(r)))' $ratios >&2
  echo "$bs $bc"
}
true_first='"targetGroupIds":["first"]'; every='"selector":{"all":true}'
cmd_true='{"type":"command","value":"true"}'; noop='{"type":"noop"}'
report() { # LABEL SINGLE CLUSTER TARGETS GOAL
  echo "$1, single process (fanout serve):             ${2}s ($(python3 -c "print(f'{$4/$2:,.0f}')") targets/s)"
  echo "$1, cluster (serve --role api + $WORKERS workers): ${3}s ($(python3 -c "print(f'{$4/$3:,.0f}')") targets/s)"
  python3 -c 'import sys; print(f"{sys.argv[1]}: cluster / single = {float(sys.argv[3])/float(sys.argv[2]):.2f}x, {sys.argv[4]}")' "$1" "$2" "$3" "$5"
}

echo "== load at the start: $(uptime)"
start_serve single
start_serve clustered --role api --failure-detection "$FD"
for w in $(seq "$WORKERS"); do start_worker clustered "w$w"; done
wait_active clustered $((WORKERS + 1))
if [ -n "${TRACE:-}" ]; then # TRACE=DIR: 25 s of thread-time samples of the coordinator and the first worker during the batches
  mkdir -p "$TRACE"; api_pid=${SERVE_PIDS[clustered]}
  for p in "$api_pid" "${worker_pids[0]}"; do
    ~/.dotnet/tools/dotnet-trace collect -p "$p" --profile dotnet-sampled-thread-time --duration 00:00:00:25 -o "$TRACE/$([ "$p" = "$api_pid" ] && echo api || echo worker).nettrace" > /dev/null 2>&1 & tracers+=($!)
  done
  sleep 3
fi
if want overhead; then compare "$cmd_true" "$true_first" "$PARALLEL" > "$d/compared"; read -r s_true c_true < "$d/compared"; fi
if want throughput; then compare "$noop" "$every" "$NOOP_PARALLEL" > "$d/compared"; read -r s_noop c_noop < "$d/compared"; fi
for t in "${tracers[@]}"; do wait "$t" || true; done
want overhead && report "overhead: $TARGETS local 'true' targets at --parallel $PARALLEL" "$s_true" "$c_true" "$TARGETS" "goal <= 1.15x"
want throughput && report "throughput: $NOOP_TARGETS noop targets at --parallel $NOOP_PARALLEL" "$s_noop" "$c_noop" "$NOOP_TARGETS" "goal >= 20,000 targets/s through the cluster"
if want cli; then
  echo "== cli: fanout exec of 'true' on 9 targets (t0000?) in the CLI's process, then with --on-workers =="
  for _ in $(seq "$RUNS"); do
    for mode in local --on-workers; do
      t0=$(date +%s.%N)
      "$fanout" exec --store "postgres://fanout@127.0.0.1:$port/clustered" -i "$d/inventory.yaml" --pattern 't0000?' --yes -q \
        $([ "$mode" = local ] || echo "$mode") true > /dev/null
      echo "   $mode: $(python3 -c "print(f'{$(date +%s.%N)-$t0:.2f}')")s"
    done
  done
fi
echo "== load at the end: $(uptime)"
want recovery || exit 0

use clustered
echo "== recovery: kill -9 of a worker holding 'sleep 60' targets, failure detection $FD =="
log="$d/starts.log"; : > "$log"
victim=${worker_pids[0]}  # the first worker
curl -s -H "authorization: Bearer $token" -H 'content-type: application/json' "$url/api/executions/batch" \
  -d "{\"targetNodeIds\":[\"t00001\",\"t00002\",\"t00003\",\"t00004\",\"t00005\",\"t00006\"],\"action\":{\"type\":\"command\",\"value\":\"echo \$FANOUT_TARGET \$FANOUT_BENCH_WORKER \$(date +%s.%N) >> $log; sleep 60\"},\"options\":{\"parallel\":6}}" > /dev/null
until [ "$(wc -l < "$log")" -ge 6 ]; do sleep 0.05; done
held=$(grep -c " w1 " "$log" || true)
t_kill=$(date +%s.%N); kill -9 "$victim"
until [ "$(wc -l < "$log")" -ge $((6 + held)) ]; do sleep 0.05; done
t_back=$(tail -1 "$log" | awk '{print $3}')
python3 -c "print(f'worker held {$held} targets; they ran again elsewhere {float(\"$t_back\")-$t_kill:.2f}s after its kill (goal <= 10s)')"
