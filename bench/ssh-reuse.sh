#!/usr/bin/env bash
# bench/ssh-reuse.sh — SPEC N3 connection reuse (issue 11): what a second command on an open connection costs, as a
# share of the first (goal <= 10%), Fanout next to OpenSSH connection multiplexing on the same private sshd, side by side.
#   * Fanout: Fanout.Benchmarks `ssh-reuse` (in-process: a one-command run vs a two-command run on one connection per
#     target; per-target means of the first command incl. connect and of the second) — RUNS times.
#   * OpenSSH: `ssh -o ControlMaster=yes` (connect + `true`) on every host at -P 50 (xargs), then `ssh` through the open
#     master (`true` on a new channel of the same connection) — the sshd-side floor of "new exec channel + login shell".
# Loopback only: starts the private sshd (bench/ssh/sshd-up.sh, port 2322) with N aliases and stops it (by PID) on exit.
# Env: N (100), PARALLEL (50), RUNS (3). Prints ratios; writes bench/results/ssh-reuse.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); source "$here/ssh/common.sh"
N=${N:-100}; PARALLEL=${PARALLEL:-50}; RUNS=${RUNS:-3}
out=$here/results; mkdir -p "$out"; results=$out/ssh-reuse.txt; : > "$results"
dotnet build "$here/Fanout.Benchmarks" -c Release -v q -nologo >/dev/null
trap '"$here/ssh/sshd-down.sh" >/dev/null; rm -rf "$work"' EXIT
work=$(mktemp -d /tmp/fanout-ssh-reuse.XXXXXX)
N=$N "$here/ssh/sshd-up.sh" >/dev/null
inv=$FANOUT_DIR/inv-$N
echo "load before: $(uptime)" | tee -a "$results"
hosts=$(awk '{print $1}' "$inv/hosts.pssh" | cut -d@ -f2 | cut -d: -f1)
for run in $(seq "$RUNS"); do
  dotnet "$here/Fanout.Benchmarks/bin/Release/net10.0/Fanout.Benchmarks.dll" ssh-reuse "$inv/inv.ini" "$FANOUT_KNOWN_HOSTS" "$PARALLEL" | sed "s/^/fanout run $run: /" | tee -a "$results"
  ctl=$work/ctl$run; mkdir -p "$ctl"
  t0=$(date +%s.%N)
  echo "$hosts" | xargs -P "$PARALLEL" -I{} ssh -F "$FANOUT_SSH_CONFIG" -o ControlMaster=yes -o "ControlPath=$ctl/%n" -o ControlPersist=120 {} true
  t1=$(date +%s.%N)
  echo "$hosts" | xargs -P "$PARALLEL" -I{} ssh -F "$FANOUT_SSH_CONFIG" -o ControlMaster=no -o "ControlPath=$ctl/%n" {} true
  t2=$(date +%s.%N)
  echo "$hosts" | xargs -P "$PARALLEL" -I{} ssh -F "$FANOUT_SSH_CONFIG" -o "ControlPath=$ctl/%n" -O exit {} 2>/dev/null || true
  python3 -c "import sys; a,b,c=map(float,sys.argv[1:]); print(f'openssh run $run: first (connect + true) {b-a:.3f} s; second through the master {c-b:.3f} s = {(c-b)/(b-a):.1%} of the first')" "$t0" "$t1" "$t2" | tee -a "$results"
done
echo "load after: $(uptime)" | tee -a "$results"
