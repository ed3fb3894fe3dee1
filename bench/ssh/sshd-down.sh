#!/usr/bin/env bash
# Adapted from /work/shared/bench/sshd-down.sh (Fanout peer benchmark kit); private dir/port so it never collides with the shared one.
# sshd-down.sh - measures nothing: stops the private benchmark sshd by the pid in /tmp/fanout-sshd/sshd.pid
# (the listener only; connections in flight end with it). Idempotent: does nothing if it is not running.
set -euo pipefail
source "$(dirname "$0")/common.sh"
pid=$(fanout_sshd_pid || true)
if [ -z "$pid" ]; then echo "private sshd not running"; rm -f "$FANOUT_PIDFILE"; exit 0; fi
kill "$pid"
for _ in $(seq 50); do [ -d /proc/$pid ] || break; sleep 0.1; done
if [ -d /proc/$pid ]; then echo "sshd $pid still alive after TERM"; exit 1; fi
rm -f "$FANOUT_PIDFILE"
echo "private sshd (pid $pid) stopped"
