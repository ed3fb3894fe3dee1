#!/usr/bin/env bash
# ssh-peers.sh - N3: `true` over SSH on N loopback aliases at parallel 50, side by side:
#   Fanout (default kex and curve25519-sha256), parallel-ssh -p 50, ansible -m raw / -m command -f 50,
#   plus a two-command run (connection reuse) measured in-process by Fanout.Benchmarks `ssh-reuse`.
# Usage: bench/ssh-peers.sh [N...]   (default: 100 200). RUNS=5 by default. Loopback only.
# Starts a private sshd (bench/ssh/sshd-up.sh, port 2322) and stops it on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); source "$here/ssh/common.sh"
sizes=("$@"); [ ${#sizes[@]} -eq 0 ] && sizes=(100 200)
RUNS=${RUNS:-5}
out=${RESULTS_DIR:-$here/results}; mkdir -p "$out"
bin=/tmp/fanout-ssh-bench-bin
dotnet publish "$here/../src/Fanout.Cli" -c Release -o "$bin" -v q >/dev/null
dotnet build "$here/Fanout.Benchmarks" -c Release -v q >/dev/null
trap '"$here/ssh/sshd-down.sh" >/dev/null' EXIT
for N in "${sizes[@]}"; do
  N=$N "$here/ssh/sshd-up.sh" >/dev/null
  inv=$FANOUT_DIR/inv-$N
  fo="$bin/fanout exec --all --yes -q -p 50 --connect-timeout 30s -i $inv/inv.ini --known-hosts $FANOUT_KNOWN_HOSTS"
  export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_PIPELINING=True ANSIBLE_TIMEOUT=30
  export ANSIBLE_SSH_ARGS="-C -o ControlMaster=no -o ControlPersist=no"
  hyperfine --warmup 1 --runs "$RUNS" --export-json "$out/ssh-$N.json" \
    -n fanout "$fo true" \
    -n fanout-curve25519 "$fo --kex curve25519-sha256 true" \
    -n parallel-ssh "parallel-ssh -p 50 -t 30 -h $inv/hosts.pssh -x '-F $FANOUT_SSH_CONFIG' true" \
    -n parallel-ssh-curve25519 "parallel-ssh -p 50 -t 30 -h $inv/hosts.pssh -x '-F $FANOUT_SSH_CONFIG -o KexAlgorithms=curve25519-sha256' true" \
    -n ansible-raw "ansible all -i $inv/inv.ini -m raw -a true -f 50" \
    -n ansible-command "ansible all -i $inv/inv.ini -m command -a true -f 50"
  dotnet "$here/Fanout.Benchmarks/bin/Release/net10.0/Fanout.Benchmarks.dll" ssh-reuse "$inv/inv.ini" "$FANOUT_KNOWN_HOSTS" 50 | tee "$out/ssh-reuse-$N.txt"
  dotnet "$here/Fanout.Benchmarks/bin/Release/net10.0/Fanout.Benchmarks.dll" ssh-reuse "$inv/inv.ini" "$FANOUT_KNOWN_HOSTS" 50 curve25519-sha256 | tee "$out/ssh-reuse-$N-curve25519.txt"
done
