# common.sh - shared settings for the fan-out benchmark scripts (sourced, not run).
# Adapted from /work/shared/bench/common.sh (Fanout peer benchmark kit); private dir/port so it never collides with the shared one.
# Measures nothing itself. Every target is the private sshd on 127.0.0.1:2222 (loopback only).
FANOUT_DIR=${FANOUT_DIR:-/tmp/fanout-ssh-bench}
FANOUT_PORT=${FANOUT_PORT:-2322}
FANOUT_ADDR=127.0.0.1            # never change: all traffic must stay on loopback
FANOUT_KEY=$FANOUT_DIR/client_key
FANOUT_SSH_CONFIG=$FANOUT_DIR/ssh_config
FANOUT_KNOWN_HOSTS=$FANOUT_DIR/known_hosts
FANOUT_PIDFILE=$FANOUT_DIR/sshd.pid
FANOUT_LOG=$FANOUT_DIR/sshd.log
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RESULTS_DIR=${RESULTS_DIR:-$BENCH_DIR/results}

fanout_sshd_pid() {   # prints the pid of our private sshd listener if it is alive, else nothing
  local pid
  [ -s "$FANOUT_PIDFILE" ] || return 1
  pid=$(cat "$FANOUT_PIDFILE")
  [ -d /proc/$pid ] || return 1
  grep -q "$FANOUT_DIR/sshd_config" /proc/$pid/cmdline 2>/dev/null || return 1
  echo "$pid"
}
