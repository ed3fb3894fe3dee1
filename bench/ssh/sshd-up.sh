#!/usr/bin/env bash
# Adapted from /work/shared/bench/sshd-up.sh (Fanout peer benchmark kit); private dir/port so it never collides with the shared one.
# sshd-up.sh - measures nothing: starts (or keeps) a PRIVATE sshd for the fan-out benchmarks.
#   * runs /usr/sbin/sshd as root, listening ONLY on 127.0.0.1:2222 (not the system service)
#   * own ed25519 host key, config, pid file, log and authorized_keys under /tmp/fanout-sshd/
#   * key-only auth for root with a generated ed25519 client key /tmp/fanout-sshd/client_key
#   * MaxStartups 2000:30:2000, MaxSessions 100, UseDNS no, LogLevel ERROR (override: SSHD_LOGLEVEL=INFO)
#   * SetEnv SHLVL=1 so root's ~/.bashrc (pyenv init, ~150 ms CPU) is NOT sourced per session
#     (set SSHD_SKIP_BASHRC=0 to keep bash's normal ssh behaviour and source it)
#   * writes a client ssh_config (every Host -> HostName 127.0.0.1, Port 2222, IdentityFile,
#     StrictHostKeyChecking accept-new, private UserKnownHostsFile pre-seeded with the host key,
#     LogLevel ERROR) and the inventories for N aliases (N default 100) via gen-inventory.sh
# Idempotent: keys are made once; config, known_hosts and inventory are rewritten; a running
# private sshd is restarted only when its config changed.
set -euo pipefail
source "$(dirname "$0")/common.sh"
N=${N:-100}
LOGLEVEL=${SSHD_LOGLEVEL:-ERROR}
SKIP_BASHRC=${SSHD_SKIP_BASHRC:-1}

mkdir -p "$FANOUT_DIR"; chmod 700 "$FANOUT_DIR"
mkdir -p /run/sshd; chmod 755 /run/sshd          # sshd's privilege-separation dir must exist
[ -f "$FANOUT_DIR/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C fanout-host -f "$FANOUT_DIR/ssh_host_ed25519_key"
[ -f "$FANOUT_KEY" ] || ssh-keygen -q -t ed25519 -N '' -C fanout-client -f "$FANOUT_KEY"
cp "$FANOUT_KEY.pub" "$FANOUT_DIR/authorized_keys"; chmod 600 "$FANOUT_DIR/authorized_keys"

setenv_line="# SetEnv not used: root's ~/.bashrc is sourced by bash for each ssh command"
[ "$SKIP_BASHRC" = 1 ] && setenv_line="SetEnv SHLVL=1"
cat > "$FANOUT_DIR/sshd_config.new" <<CFG
# private benchmark sshd - loopback only
Port $FANOUT_PORT
ListenAddress $FANOUT_ADDR
AddressFamily inet
HostKey $FANOUT_DIR/ssh_host_ed25519_key
PidFile $FANOUT_PIDFILE
AuthorizedKeysFile $FANOUT_DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
MaxStartups 2000:30:2000
MaxSessions 100
LoginGraceTime 60
LogLevel $LOGLEVEL
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
Subsystem sftp internal-sftp
$setenv_line
CFG
/usr/sbin/sshd -t -f "$FANOUT_DIR/sshd_config.new"

pid=$(fanout_sshd_pid || true)
if [ -n "$pid" ] && cmp -s "$FANOUT_DIR/sshd_config.new" "$FANOUT_DIR/sshd_config"; then
  echo "private sshd already running (pid $pid), config unchanged"
  rm -f "$FANOUT_DIR/sshd_config.new"
else
  if [ -n "$pid" ]; then kill "$pid"; for _ in $(seq 50); do [ -d /proc/$pid ] || break; sleep 0.1; done; fi
  mv "$FANOUT_DIR/sshd_config.new" "$FANOUT_DIR/sshd_config"
  : > "$FANOUT_LOG"
  /usr/sbin/sshd -f "$FANOUT_DIR/sshd_config" -E "$FANOUT_LOG"
  for _ in $(seq 50); do pid=$(fanout_sshd_pid || true); [ -n "$pid" ] && break; sleep 0.1; done
  [ -n "$pid" ] || { echo "sshd did not start; log:"; cat "$FANOUT_LOG"; exit 1; }
  echo "private sshd started (pid $pid) on $FANOUT_ADDR:$FANOUT_PORT, LogLevel $LOGLEVEL, skip_bashrc=$SKIP_BASHRC"
fi

# known_hosts pre-seeded with our host key (so concurrent first connections do not race to write it)
echo "[$FANOUT_ADDR]:$FANOUT_PORT $(cut -d' ' -f1,2 "$FANOUT_DIR/ssh_host_ed25519_key.pub")" > "$FANOUT_KNOWN_HOSTS"

cat > "$FANOUT_SSH_CONFIG" <<CFG
# client config for the private benchmark sshd: every host name resolves to loopback
Host *
  HostName $FANOUT_ADDR
  Port $FANOUT_PORT
  User root
  IdentityFile $FANOUT_KEY
  IdentitiesOnly yes
  StrictHostKeyChecking accept-new
  UserKnownHostsFile $FANOUT_KNOWN_HOSTS
  GlobalKnownHostsFile /dev/null
  BatchMode yes
  PasswordAuthentication no
  KbdInteractiveAuthentication no
  ControlMaster no
  LogLevel ERROR
CFG

"$BENCH_DIR/gen-inventory.sh" "$N" >/dev/null
echo "ssh_config: $FANOUT_SSH_CONFIG; inventory: $FANOUT_DIR/inv-$N/{hosts.pssh,inv.ini,hosts.txt}"
