#!/usr/bin/env python3
# make bench's container-supervise rows: start to READY=1 and stop to gone, under the
# supervisor and for bare systemd-nspawn with the same command line (container-start
# --dry-run's: the same root, flags and veth), started by this script in the same run,
# interleaved. Usage: nsenter --net=NETNS bench-supervise.py NCBOX NAME RUNS (the conf in
# the environment; in the container's network namespace, where nspawn's abstract notify
# socket must be).
# Prints "sv START_US STOP_US RSS_KIB" and "bare START_US STOP_US" lines.
import os, signal, socket, subprocess, sys, time

ncbox, name, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
argv = subprocess.run([ncbox, "container-start", "--dry-run", name], check=True,
                      capture_output=True, text=True).stdout.splitlines()
env = dict(os.environ, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY="1")


def us(t):
    return int((time.monotonic() - t) * 1e6)


def rss(pid):
    for l in open("/proc/%d/status" % pid):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])
    return 0


def supervised():
    r, w = os.pipe()
    t0 = time.monotonic()
    p = subprocess.Popen([ncbox, "container-supervise", "--ready-fd=%d" % w, name],
                         pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    ok = os.read(r, 1) == b"\n"
    start = us(t0)
    os.close(r)
    size = rss(p.pid)
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    p.wait()
    return "sv %d %d %d%s" % (start, us(t0), size, "" if ok else " failed")


def bare():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    addr = "\0ncbox-bench-%d" % os.getpid()
    s.bind(addr)
    subprocess.run(["ip", "link", "del", "ve-" + name], stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=dict(env, NOTIFY_SOCKET="@" + addr[1:]),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = False
    s.settimeout(20)
    try:
        while not ok:
            ok = b"READY=1" in s.recv(4096)
    except socket.timeout:
        pass
    start = us(t0)
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    p.wait()
    stop = us(t0)
    s.close()
    return "bare %d %d%s" % (start, stop, "" if ok else " failed")


for i in range(runs):
    print(supervised(), flush=True)
    print(bare(), flush=True)
