#!/usr/bin/env python3
"""peak.py PID PORT OUT - measures nothing by itself: samples a process tree until PID exits and writes to OUT
the most threads the tree (PID and its descendants: parallel-ssh's ssh children count) had at once and the most
TCP connections to 127.0.0.1:PORT established or in handshake (client side) at once. Reads /proc every 0.25 s."""
import os, sys, time

pid, port, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
port_hex = f"{port:04X}"

def tree(root):
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    todo, seen = [root], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo.extend(children.get(p, []))
    return seen

def threads(pids):
    n = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("Threads:"):
                        n += int(line.split()[1])
        except OSError:
            pass
    return n

def connections():
    n = 0
    # .NET connects through dual-mode IPv6 sockets (::ffff:127.0.0.1): those are in tcp6
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                parts = line.split()
                remote, state = parts[2], parts[3]
                # client side of a connection to the port: ESTABLISHED (01) or SYN_SENT (02)
                if remote.endswith(":" + port_hex) and state in ("01", "02"):
                    n += 1
    return n

peak_threads = peak_conns = 0
while os.path.exists(f"/proc/{pid}"):
    try:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                break
    except OSError:
        break
    peak_threads = max(peak_threads, threads(tree(pid)))
    peak_conns = max(peak_conns, connections())
    time.sleep(0.25)
with open(out, "w") as f:
    f.write(f"{peak_threads} {peak_conns}\n")
