#!/usr/bin/env bash
# Adapted from /work/shared/bench/gen-inventory.sh (Fanout peer benchmark kit); private dir/port so it never collides with the shared one.
# gen-inventory.sh [N] [OUTDIR] - measures nothing: writes an inventory of N aliases host001..hostN
# (default N=100), all pointing at the private sshd on 127.0.0.1:2222, in three forms:
#   OUTDIR/hosts.pssh  - parallel-ssh host file ("root@hostNNN:2222"; resolve aliases with -x "-F ssh_config")
#   OUTDIR/inv.ini     - Ansible INI inventory (ansible_host/port/user/key, python3 interpreter)
#   OUTDIR/hosts.txt   - plain list of aliases, one per line
# Default OUTDIR: /tmp/fanout-sshd/inv-N. Idempotent (files are rewritten).
set -euo pipefail
source "$(dirname "$0")/common.sh"
N=${1:-${N:-100}}
OUT=${2:-$FANOUT_DIR/inv-$N}
mkdir -p "$OUT"
width=3; [ "$N" -gt 999 ] && width=${#N}
: > "$OUT/hosts.txt.tmp"; : > "$OUT/hosts.pssh.tmp"
{
  echo "# $N aliases, all 127.0.0.1:$FANOUT_PORT (private benchmark sshd)"
  echo "[fleet]"
} > "$OUT/inv.ini.tmp"
for i in $(seq 1 "$N"); do
  h=$(printf "host%0${width}d" "$i")
  echo "$h" >> "$OUT/hosts.txt.tmp"
  echo "root@$h:$FANOUT_PORT" >> "$OUT/hosts.pssh.tmp"
  echo "$h ansible_host=$FANOUT_ADDR ansible_port=$FANOUT_PORT ansible_user=root ansible_ssh_private_key_file=$FANOUT_KEY" >> "$OUT/inv.ini.tmp"
done
cat >> "$OUT/inv.ini.tmp" <<INI

[all:vars]
ansible_python_interpreter=/usr/bin/python3
fanout_transport=ssh
ansible_ssh_common_args=-o UserKnownHostsFile=$FANOUT_KNOWN_HOSTS -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o LogLevel=ERROR
INI
for f in hosts.txt hosts.pssh inv.ini; do mv "$OUT/$f.tmp" "$OUT/$f"; done
echo "$OUT"
