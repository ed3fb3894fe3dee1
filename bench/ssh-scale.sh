#!/usr/bin/env bash
# bench/ssh-scale.sh — SPEC X12 / issue 11: 1,000 SSH hosts at -p 200 / 500 / 1000, Fanout vs parallel-ssh, side by side.
# Loopback only: starts its own private sshd (bench/ssh/sshd-up.sh: 127.0.0.1:2322, MaxStartups 2000:30:2000) with
# N=1000 host aliases and stops it on exit (by PID). For each command (`sleep 15`, `true`) and each -p, runs
#   fanout exec CMD --all --yes -p P -i inv.ini --known-hosts KH -o json      (DEFAULT options otherwise)
#   parallel-ssh -p P -t 0 -h hosts.pssh -x "-F ssh_config" CMD
# and prints success count, wall time, peak RSS (/usr/bin/time -v: fanout's process; for pssh its own process, the
# ssh children are separate processes), peak open connections to the sshd and peak threads of the process tree
# (sampled from /proc every 0.25 s by bench/ssh/peak.py), then Fanout/pssh ratios.
# Goals (issue 11): 1,000/1,000 at every level with default options; Fanout wall <= 0.8x pssh at each level.
# Heavy (1,000 connections, 2 cores): run it once on a quiet machine. Env: N (1000), LEVELS ("200 500 1000"),
# COMMANDS ("sleep 15|true", separated by |), FANOUT (a published fanout; else published to /tmp/fanout-ssh-bench-bin).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); source "$here/ssh/common.sh"
N=${N:-1000}; LEVELS=${LEVELS:-"200 500 1000"}; COMMANDS=${COMMANDS:-"sleep 15|true"}
out=$here/results; mkdir -p "$out"   # bench/results/ssh-scale.txt
if [ -z "${FANOUT:-}" ]; then
  bin=/tmp/fanout-ssh-bench-bin
  dotnet publish "$here/../src/Fanout.Cli" -c Release -o "$bin" -p:PublishReadyToRun=true -nologo -v q >/dev/null
  FANOUT=$bin/fanout
fi
command -v parallel-ssh >/dev/null || { echo "parallel-ssh missing (apt-get install -y pssh)" >&2; exit 2; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
trap '"$here/ssh/sshd-down.sh" >/dev/null' EXIT
N=$N "$here/ssh/sshd-up.sh" >/dev/null
inv=$FANOUT_DIR/inv-$N
work=$(mktemp -d /tmp/fanout-ssh-scale.XXXXXX)
results=$out/ssh-scale.txt; : > "$results"

measure() {   # measure NAME PARSER -- COMMAND... : runs COMMAND under /usr/bin/time with the sampler; prints one row
  local name=$1 parser=$2; shift 3
  /usr/bin/time -v -o "$work/time" "$@" > "$work/stdout" 2> "$work/stderr" &
  local tpid=$!
  sleep 0.2
  local child; child=$(pgrep -P "$tpid" | head -1 || true)
  python3 "$here/ssh/peak.py" "${child:-$tpid}" "$FANOUT_PORT" "$work/peak" &
  local spid=$!
  wait "$tpid" || true
  wait "$spid" || true
  local ok
  case $parser in
    fanout) ok=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["succeeded"])' "$work/stdout" 2>/dev/null || echo 0) ;;
    pssh) ok=$(grep -c '\[SUCCESS\]' "$work/stdout" || true) ;;
  esac
  local wall rss peak
  wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$work/time")
  rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print int($2/1024)}' "$work/time")
  read -r threads conns < "$work/peak"
  printf '%-12s %-6s %-14s %9s %9s %7s MiB %10s %8s\n' "$cmd_name" "-p $p" "$name" "$ok/$N" "$wall" "$rss" "$conns" "$threads" | tee -a "$results"
  if [ "$ok" != "$N" ]; then
    echo "    ($name: $(grep -v '^\s*$' "$work/stderr" | tail -2 | tr '\n' ' ' | cut -c1-200))" | tee -a "$results"
    [ "$parser" = fanout ] && python3 - "$work/stdout" <<'PY' | tee -a "$results"
import json, sys, collections
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    sys.exit()
errors = collections.Counter((t["state"], (t["error"] or "")[:90]) for t in d["targets"] if t["state"] != "succeeded")
for (state, error), n in errors.most_common(3):
    print(f"    {n} {state}: {error}")
PY
  fi
}

printf '%-12s %-6s %-14s %9s %9s %11s %10s %8s\n' command level tool succeeded wall peakRSS peakConns threads | tee -a "$results"
IFS='|' read -r -a commands <<< "$COMMANDS"
for cmd in "${commands[@]}"; do
  cmd_name=${cmd// /-}
  for p in $LEVELS; do
    measure fanout fanout -- "$FANOUT" exec "$cmd" --all --yes -p "$p" -i "$inv/inv.ini" --known-hosts "$FANOUT_KNOWN_HOSTS" -o json --store "$work/runs.db"
    measure parallel-ssh pssh -- parallel-ssh -p "$p" -t 0 -h "$inv/hosts.pssh" -x "-F $FANOUT_SSH_CONFIG" "$cmd"
  done
done
rm -rf "$work"

python3 - "$results" <<'PY'
import sys, re
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+)\s+-p (\d+)\s+(\S+)\s+(\d+)/(\d+)\s+(\S+)\s+(\d+) MiB\s+(\d+)\s+(\d+)", line)
    if m:
        cmd, p, tool, ok, n, wall, rss, conns, threads = m.groups()
        parts = [float(x) for x in wall.split(":")]
        secs = sum(v * 60 ** i for i, v in enumerate(reversed(parts)))
        rows[(cmd, int(p), tool)] = (int(ok), int(n), secs, int(rss), int(threads))
print("\nratios fanout / parallel-ssh (goal: 1,000/1,000 everywhere, wall <= 0.8x)")
met = True
for (cmd, p, tool), (ok, n, secs, rss, threads) in sorted(rows.items()):
    if tool != "fanout" or (cmd, p, "parallel-ssh") not in rows:
        continue
    pok, _, psecs, prss, pthreads = rows[(cmd, p, "parallel-ssh")]
    ratio = secs / psecs if psecs else float("nan")
    good = ok == n and ratio <= 0.8
    met &= good
    print(f"{cmd:12s} -p {p:<5d} fanout {ok}/{n} vs pssh {pok}/{n}; wall {secs:6.1f} s vs {psecs:6.1f} s = {ratio:4.2f}x; "
          f"RSS {rss} vs {prss} MiB; threads {threads} vs {pthreads}  {'met' if good else 'MISSED'}")
print("goals:", "met" if met else "MISSED")
PY
